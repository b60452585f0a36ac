/// Options of the check oracle (see <doc:Checks>).
public struct CheckOptions: Sendable, Hashable {
    /// C1's window in event-time milliseconds per stream key and consumer: a key delivered again
    /// within this much event time of the newest delivery of its stream key is caught; a key
    /// repeated beyond the window is out of C1's reach (the memory bound). Default 60 s, the
    /// rules' R3 default.
    public var dedupWindowMs: Int64
    /// A "gap in time" finding when an epoch has no inbound data for longer than this (ns).
    /// Default 5 s.
    public var gapThresholdNs: Int64
    /// A `silent_stream` finding when a stream key that had data before a reconnect has none
    /// within this long after it (ns). Default 30 s; 0 switches the finding off.
    public var silenceWindowNs: Int64
    /// What the tape's subscription covers, when known: a stream it no longer asks for may stay
    /// silent after a reconnect. nil: every stream that had data counts as covered.
    public var subscription: SubscriptionCoverage?
    /// Witnesses kept per violation class and per finding class (all are counted). Default 5.
    public var witnessLimit: Int
    /// Most per-second buckets the timeline keeps; past it, buckets are merged pairwise and
    /// their width doubles, so memory stays fixed however long the tape. Default one day.
    public var timelineMaxBuckets: Int
    /// About how many keys one C1 window will hold (0: unknown). Sizing only, never a verdict:
    /// the C1 table of a consumer that takes every type and code starts at that size instead of
    /// growing there from small (see `TapeReader.windowFrameEstimate`); other consumers receive
    /// an unknown share and grow as they go.
    public var expectedWindowKeys: Int

    public init(
        dedupWindowMs: Int64 = 60_000,
        gapThresholdNs: Int64 = 5_000_000_000,
        silenceWindowNs: Int64 = 30_000_000_000,
        subscription: SubscriptionCoverage? = nil,
        witnessLimit: Int = 5,
        timelineMaxBuckets: Int = 86_400,
        expectedWindowKeys: Int = 0
    ) {
        self.dedupWindowMs = max(0, dedupWindowMs)
        self.gapThresholdNs = max(0, gapThresholdNs)
        self.silenceWindowNs = max(0, silenceWindowNs)
        self.subscription = subscription
        self.witnessLimit = max(0, witnessLimit)
        self.timelineMaxBuckets = max(2, timelineMaxBuckets)
        self.expectedWindowKeys = max(0, expectedWindowKeys)
    }
}
