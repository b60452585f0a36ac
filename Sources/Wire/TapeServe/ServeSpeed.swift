import Replay

/// How fast `ticktape serve` replays a tape (`--speed` × the recorded pace): the offline
/// replay's speed, spelled and parsed the same way. A frame recorded `d` ns
/// after the first entry is sent `d / factor` ns after the pass began; `max` sends as fast as the
/// slowest listener takes frames (the replay waits for room in every listener's buffer instead of
/// cutting slow ones, and pauses while nobody listens).
public typealias ServeSpeed = ReplaySpeed

/// The pacing of one replay pass: when an entry recorded at a monotonic time is due on the
/// replay clock. Pure arithmetic, so the schedule is tested without waiting.
///
/// The pass starts at the tape's first entry (the lead-in before the first recorded entry is not
/// replayed): an entry recorded `d` ns after it is due `d / factor` ns after `startNs`. Deadlines
/// are absolute, so pacing does not drift however long sending takes; an entry whose time has
/// passed is sent at once (the replay catches up), and deadlines never go backwards.
public struct ReplayPacer: Sendable, Hashable {
    /// The speed being paced.
    public let speed: ServeSpeed
    /// Replay-clock time at which the pass began.
    public let startNs: Int64
    /// Recorded monotonic time of the pass's first entry; nil until the first ``due(monoNs:)``.
    public private(set) var originMonoNs: Int64?
    /// The latest deadline handed out (`startNs` before the first): where a next pass begins.
    public private(set) var lastDue: Int64

    public init(speed: ServeSpeed, startNs: Int64) {
        self.speed = speed
        self.startNs = startNs
        self.lastDue = startNs
    }

    /// The replay-clock time at which the entry recorded at `monoNs` is due; nil at `max` speed
    /// (never wait). The first call fixes the origin.
    public mutating func due(monoNs: Int64) -> Int64? {
        guard case .factor(let factor) = self.speed else { return nil }
        let origin = self.originMonoNs ?? monoNs
        self.originMonoNs = origin
        let elapsed = Swift.max(0, monoNs &- origin)
        let scaled = factor == 1 ? elapsed : Int64((Double(elapsed) / factor).rounded(.down))
        self.lastDue = Swift.max(self.lastDue, self.startNs &+ scaled)
        return self.lastDue
    }
}
