/// What the rules did over a run: accepted events, discards by reason, reordered facts.
/// Independent of replay speed by construction (no rule reads the clock).
public struct RuleCounts: Sendable, Hashable {
    /// Inbound data frames judged.
    public internal(set) var inputs = 0
    /// Frames that passed R1–R5.
    public internal(set) var accepted = 0
    /// Accepted facts whose event time went backwards (R5; not a discard).
    public internal(set) var reordered = 0
    /// Times the current epoch advanced (R1).
    public internal(set) var epochSwitches = 0
    var discards = [Int](repeating: 0, count: DiscardReason.allCases.count)
    var outOfBand = [Int](repeating: 0, count: OutOfBandKind.allCases.count)

    public init() {}

    /// Frames discarded for `reason`.
    public func count(_ reason: DiscardReason) -> Int { discards[reason.rawValue] }

    /// Out-of-band messages of `kind` kept from consumers (their sum is `count(.outOfBand)`).
    public func count(_ kind: OutOfBandKind) -> Int { outOfBand[Int(kind.rawValue)] }

    /// All discards.
    public var discarded: Int { discards.reduce(0, +) }
}
