/// Per consumer figures of a run (see <doc:FanOut>), all integers so reports are byte-identical
/// across platforms. Times are nanoseconds on the clock in use.
public struct ConsumerMetrics: Sendable, Hashable {
    public var name: String
    /// Events that passed the filter.
    public var offered = 0
    public var delivered = 0
    /// Events removed by the overflow policy (never for `block`).
    public var dropped = 0
    /// Queued events overwritten by a newer value of the same stream key (`coalesce`).
    public var coalesced = 0
    /// Largest number of events waiting at once (never above the capacity).
    public var maxQueueDepth = 0
    /// Events still waiting (0 after a drain).
    public var queued = 0
    /// Lag arrival → delivery; see ``LagHistogram`` for the precision.
    public var lagP50Ns: Int64 = 0
    public var lagP99Ns: Int64 = 0
    public var lagMaxNs: Int64 = 0
    /// Most drops within any 60 s window (see ``DropRate``).
    public var maxDropsPerMinute = 0
    /// Times the epoch of consecutive deliveries changed.
    public var epochSwitches = 0
    /// SHA-256 (hex) over the delivered (epoch: 4 bytes big-endian, seq: 8 bytes big-endian), in order.
    public var digest: String

    public init(name: String, digest: String) {
        self.name = name
        self.digest = digest
    }
}
