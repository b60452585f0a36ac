import Replay
import Wire

/// When server-side chaos cuts every connection, on the simulator's elapsed time:
/// `cut every:T` and `cut at:T…` cut; `blackhole every:T,for:D` silences the market from each
/// multiple of T for D, then cuts; after each cut, upgrades are refused for `gap`. Pure: fed the
/// elapsed time, it answers what to do; the market acts.
struct ChaosSchedule: Sendable {
    private let spec: ChaosSpec
    private var nextCut: Int64?
    private var cutAt: ArraySlice<Int64>
    private var nextBlackhole: Int64?
    private var silentUntil: Int64?
    private var downUntil: Int64 = 0
    /// Cuts so far.
    private(set) var cuts = 0
    private var nextExpiry: Int64?
    /// Token expiries so far (`auth-expire`).
    private(set) var expiries = 0

    init(spec: ChaosSpec) {
        self.spec = spec
        self.nextCut = spec.cutEveryNs
        self.cutAt = spec.cutAtNs[...]
        self.nextBlackhole = spec.blackholeEveryNs
        self.nextExpiry = spec.authExpireEveryNs
    }

    /// How many `auth-expire` moments are due once `elapsed` ns have passed.
    mutating func advanceExpiries(to elapsed: Int64) -> Int {
        guard let every = self.spec.authExpireEveryNs else { return 0 }
        var due = 0
        while let next = self.nextExpiry, elapsed >= next {
            due += 1
            self.nextExpiry = next + every
        }
        self.expiries += due
        return due
    }

    /// Whether the private endpoint refuses upgrades at `elapsed` (`private-outage`).
    func isPrivateDown(at elapsed: Int64) -> Bool {
        let length = self.spec.privateOutageForNs
        guard length > 0 else { return false }
        let since = elapsed - self.spec.privateOutageAtNs
        guard since >= 0 else { return false }
        guard let every = self.spec.privateOutageEveryNs else { return since < length }
        return since % every < length
    }

    /// How many cuts are due once `elapsed` ns have passed (each one counted in ``cuts``).
    mutating func advance(to elapsed: Int64) -> Int {
        var due = 0
        if let every = self.spec.cutEveryNs {
            while let next = self.nextCut, elapsed >= next {
                due += 1
                self.nextCut = next + every
            }
        }
        while let at = self.cutAt.first, elapsed >= at {
            due += 1
            self.cutAt = self.cutAt.dropFirst()
        }
        if let every = self.spec.blackholeEveryNs {
            if let until = self.silentUntil, elapsed >= until {
                self.silentUntil = nil
                due += 1
            }
            if let start = self.nextBlackhole, elapsed >= start {
                self.silentUntil = start + self.spec.blackholeForNs
                self.nextBlackhole = start + every
            }
        }
        if due > 0 { self.downUntil = elapsed + self.spec.gapNs }
        self.cuts += due
        return due
    }

    /// Counts a cut made by hand (``SimulatedMarket/cutAll()``) at `elapsed`.
    mutating func noteCut(at elapsed: Int64) {
        self.cuts += 1
        self.downUntil = elapsed + self.spec.gapNs
    }

    /// Whether the market sends nothing at `elapsed` (inside a blackhole).
    func isSilent(at elapsed: Int64) -> Bool { self.silentUntil.map { elapsed < $0 } ?? false }

    /// Whether upgrades are refused at `elapsed` (the `gap` after a cut).
    func isDown(at elapsed: Int64) -> Bool { self.cuts > 0 && elapsed < self.downUntil }
}
