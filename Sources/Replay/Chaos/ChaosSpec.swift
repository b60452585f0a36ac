import Rules

/// The chaos vocabulary shared by `ticktape chaos` (offline), `ticktape simulate --chaos`
/// (server-side) and recordings made through them (<doc:ReplayingTapes>): Toxiproxy's faults plus
/// message-level ones. Written as `fault args; fault args; …`, e.g.
/// `cut every:20s; dup 0.01; reorder 5; stale-epoch 3; drop 0.001`.
///
/// | fault | meaning |
/// |---|---|
/// | `cut every:T` or `cut at:T` | end the epoch; the next opens after `gap` and starts with one SNAPSHOT per stream key |
/// | `blackhole every:T,for:D` | no data for D from each multiple of T, then a cut |
/// | `gap D` | how long a cut keeps the connection down (default 500ms) |
/// | `drop P` | each inbound data frame is lost with probability P |
/// | `dup P[,window:K]` | a frame is delivered again up to K frames later (default 5) with probability P |
/// | `reorder K` | arrival order is shuffled within windows of K frames |
/// | `delay D[,jitter:J]` | arrival delayed by D plus up to J, arrival order kept |
/// | `stale-epoch N` | at each cut, the old epoch's last N frames arrive after the new epoch opened |
/// | `stale-snapshot P` | a reconnect snapshot carries the previous state instead of the latest, with probability P |
/// | `auth-expire every:T` | simulate only: every T, each private connection is ended as an expired token ends it (an `INVALID_AUTH` error, then close 1008) |
/// | `private-outage for:D[,every:T][,at:T]` | simulate only: the private endpoint refuses upgrades (HTTP 503) for D, from `at` (default 0, or T with `every`) and again every T |
public struct ChaosSpec: Sendable, Hashable {
    public var cutEveryNs: Int64?
    public var cutAtNs: [Int64] = []
    public var blackholeEveryNs: Int64?
    public var blackholeForNs: Int64 = 0
    public var gapNs: Int64 = 500_000_000
    public var drop: Double = 0
    public var dup: Double = 0
    public var dupWindow: Int = 5
    public var reorder: Int = 0
    public var delayNs: Int64 = 0
    public var jitterNs: Int64 = 0
    public var staleEpoch: Int = 0
    public var staleSnapshot: Double = 0
    /// Server-side only: how often private connections are ended as expired tokens end them.
    public var authExpireEveryNs: Int64?
    /// Server-side only: how long each private-endpoint outage lasts (0: none).
    public var privateOutageForNs: Int64 = 0
    /// Server-side only: the first outage's start, and the period of the next ones (nil: once).
    public var privateOutageAtNs: Int64 = 0
    public var privateOutageEveryNs: Int64?

    public init() {}

    /// Faults only a server can inject (`auth-expire`, `private-outage`): `ticktape chaos`
    /// refuses them, since a tape holds no connection to refuse or token to expire.
    public var hasServerOnlyFaults: Bool { authExpireEveryNs != nil || privateOutageForNs > 0 }

    /// True when no fault is configured.
    public var isEmpty: Bool { self == ChaosSpec() }

    /// Parses the `fault args; …` form. Errors name the fault and what was wrong.
    public static func parse(_ text: String) throws(ChaosSpecError) -> ChaosSpec {
        var spec = ChaosSpec()
        for clause in text.split(separator: ";") {
            let words = clause.split(separator: " ", omittingEmptySubsequences: true)
            guard let name = words.first.map(String.init) else { continue }
            let args = words.dropFirst().joined(separator: " ")
            try spec.apply(fault: name, arguments: args)
        }
        return spec
    }

    /// Applies one fault, e.g. `apply(fault: "dup", arguments: "0.01,window:5")` (CLI flags use this too).
    public mutating func apply(fault: String, arguments: String) throws(ChaosSpecError) {
        let parts = arguments.split(separator: ",").map { String($0).trimmingSpaces }
        var positional: [String] = []
        var named: [String: String] = [:]
        for part in parts where !part.isEmpty {
            if let colon = part.firstIndex(of: ":") {
                named[String(part[..<colon])] = String(part[part.index(after: colon)...])
            } else {
                positional.append(part)
            }
        }
        func duration(_ s: String?) throws(ChaosSpecError) -> Int64 {
            guard let s, let ns = ChaosSpec.parseDuration(s), ns >= 0 else {
                throw ChaosSpecError(fault: fault, reason: "needs a duration like 500ms, 10s or 2m, got '\(s ?? "")'")
            }
            return ns
        }
        func probability(_ s: String?) throws(ChaosSpecError) -> Double {
            guard let s, let p = Double(s), p >= 0, p <= 1 else {
                throw ChaosSpecError(fault: fault, reason: "needs a probability from 0 to 1, got '\(s ?? "")'")
            }
            return p
        }
        func count(_ s: String?) throws(ChaosSpecError) -> Int {
            guard let s, let n = Int(s), n >= 0, n <= 1_000_000 else {
                throw ChaosSpecError(fault: fault, reason: "needs a whole number, got '\(s ?? "")'")
            }
            return n
        }
        switch fault {
        case "cut":
            if let every = named["every"] {
                let ns = try duration(every)
                guard ns > 0 else { throw ChaosSpecError(fault: fault, reason: "every: must be positive") }
                cutEveryNs = ns
            } else if let at = named["at"] {
                cutAtNs.append(try duration(at))
                cutAtNs += try positional.map { (s) throws(ChaosSpecError) in try duration(s) }
                cutAtNs.sort()
            } else {
                throw ChaosSpecError(fault: fault, reason: "needs every:DURATION or at:DURATION")
            }
        case "blackhole":
            let every = try duration(named["every"])
            guard every > 0 else { throw ChaosSpecError(fault: fault, reason: "every: must be positive") }
            blackholeEveryNs = every
            blackholeForNs = try duration(named["for"] ?? "5s")
        case "gap": gapNs = try duration(positional.first)
        case "drop": drop = try probability(positional.first)
        case "dup":
            dup = try probability(positional.first)
            if let window = named["window"] { dupWindow = max(1, try count(window)) }
        case "reorder": reorder = try count(positional.first)
        case "delay":
            delayNs = try duration(positional.first)
            if let jitter = named["jitter"] { jitterNs = try duration(jitter) }
        case "jitter": jitterNs = try duration(positional.first)
        case "stale-epoch": staleEpoch = try count(positional.first)
        case "stale-snapshot": staleSnapshot = try probability(positional.first)
        case "auth-expire":
            let every = try duration(named["every"])
            guard every > 0 else { throw ChaosSpecError(fault: fault, reason: "every: must be positive") }
            authExpireEveryNs = every
        case "private-outage":
            let length = try duration(named["for"])
            guard length > 0 else { throw ChaosSpecError(fault: fault, reason: "for: must be positive") }
            privateOutageForNs = length
            if let every = named["every"] {
                let period = try duration(every)
                guard period > length else {
                    throw ChaosSpecError(fault: fault, reason: "every: must be longer than for:")
                }
                privateOutageEveryNs = period
                privateOutageAtNs = period
            }
            if let at = named["at"] { privateOutageAtNs = try duration(at) }
        default:
            throw ChaosSpecError(
                fault: fault,
                reason:
                    "unknown fault (cut, blackhole, gap, drop, dup, reorder, delay, jitter, stale-epoch, stale-snapshot, "
                    + "auth-expire, private-outage)"
            )
        }
    }

    /// The canonical text form, stored in the tape's session row.
    public var description: String {
        var clauses: [String] = []
        if let every = cutEveryNs { clauses.append("cut every:\(Self.format(every))") }
        if !cutAtNs.isEmpty { clauses.append("cut at:" + cutAtNs.map(Self.format).joined(separator: ",")) }
        if let every = blackholeEveryNs {
            clauses.append("blackhole every:\(Self.format(every)),for:\(Self.format(blackholeForNs))")
        }
        if gapNs != ChaosSpec().gapNs { clauses.append("gap \(Self.format(gapNs))") }
        if drop > 0 { clauses.append("drop \(drop)") }
        if dup > 0 { clauses.append("dup \(dup),window:\(dupWindow)") }
        if reorder > 0 { clauses.append("reorder \(reorder)") }
        if delayNs > 0 || jitterNs > 0 {
            clauses.append("delay \(Self.format(delayNs)),jitter:\(Self.format(jitterNs))")
        }
        if staleEpoch > 0 { clauses.append("stale-epoch \(staleEpoch)") }
        if staleSnapshot > 0 { clauses.append("stale-snapshot \(staleSnapshot)") }
        if let every = authExpireEveryNs { clauses.append("auth-expire every:\(Self.format(every))") }
        if privateOutageForNs > 0 {
            var clause = "private-outage for:\(Self.format(privateOutageForNs))"
            if let every = privateOutageEveryNs { clause += ",every:\(Self.format(every))" }
            if privateOutageAtNs != (privateOutageEveryNs ?? 0) { clause += ",at:\(Self.format(privateOutageAtNs))" }
            clauses.append(clause)
        }
        return clauses.joined(separator: "; ")
    }

    /// `500ms`, `10s`, `2m`, `1.5s`, `250us`; nil when malformed (the CLI's duration parser).
    public static func parseDuration(_ text: String) -> Int64? { DurationParser.nanoseconds(text) }

    static func format(_ ns: Int64) -> String {
        if ns % 1_000_000_000 == 0 { return "\(ns / 1_000_000_000)s" }
        if ns % 1_000_000 == 0 { return "\(ns / 1_000_000)ms" }
        return "\(ns)ns"
    }
}

/// A chaos clause that could not be parsed.
public struct ChaosSpecError: Error, CustomStringConvertible, Sendable, Equatable {
    public var fault: String
    public var reason: String
    public var description: String { "chaos '\(fault)': \(reason)" }
}

extension String {
    fileprivate var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
