import Exchange
import Primitives
import Upbit

/// One data frame an exchange connection wrote, as the truth log (`--truth`) records it.
public struct SentFrame: Sendable {
    /// The connection, numbered 1, 2, 3 … in the order the server accepted them.
    public var connection: Int
    /// The server's epoch when the connection opened (the simulator's: 1 + cuts so far).
    public var epoch: Int
    /// 1, 2, 3 … over the data frames of this connection, in the order they were written.
    public var index: Int
    /// Upbit type, or `status` / `error` / `list` for replies.
    public var type: String
    public var code: String?
    /// SNAPSHOT or REALTIME; nil for replies.
    public var streamType: StreamType?
    /// The exact bytes written (one binary frame).
    public var payload: [UInt8]
    /// The tape frame the message was recorded as, when the server serves a tape.
    public var origin: FrameOrigin?

    public init(
        connection: Int,
        epoch: Int,
        index: Int,
        type: String,
        code: String?,
        streamType: StreamType?,
        payload: [UInt8],
        origin: FrameOrigin? = nil
    ) {
        self.origin = origin
        self.connection = connection
        self.epoch = epoch
        self.index = index
        self.type = type
        self.code = code
        self.streamType = streamType
        self.payload = payload
    }
}

/// Live counts of an exchange handler, for `GET /status`.
public final class ExchangeCounters: Sendable {
    private struct Counts {
        var open = 0
        var total = 0
        var framesSent: Int64 = 0
        var closedOverBudget = 0
        var peakQueuedBytes = 0
        var expired = 0
        var messagesLimited = 0
    }

    private let counts = Locked(Counts())

    public init() {}

    /// Connections open now.
    public var openConnections: Int { self.counts.withLock { $0.open } }
    /// Connections accepted so far.
    public var totalConnections: Int { self.counts.withLock { $0.total } }
    /// Data frames written so far, all connections together.
    public var framesSent: Int64 { self.counts.withLock { $0.framesSent } }

    /// Connections closed with 1008 because what waited for them passed their budget: the byte
    /// budget (``UpbitExchangeHandler/Options/byteBudget``) or the market frame cap
    /// (``UpbitExchangeHandler/Options/bufferCapacity``).
    public var closedOverBudget: Int { self.counts.withLock { $0.closedOverBudget } }
    /// The most bytes that ever waited for one connection (queued or being written), over all
    /// connections so far: the server's own accounting, never above the byte budget unless a
    /// single frame was larger.
    public var peakQueuedBytes: Int { self.counts.withLock { $0.peakQueuedBytes } }

    /// Private connections ended because their token expired (chaos `auth-expire`).
    public var closedExpired: Int { self.counts.withLock { $0.expired } }

    /// Client messages refused with `TOO_MANY_REQUESTS` for passing the per-connection limit.
    public var messagesLimited: Int { self.counts.withLock { $0.messagesLimited } }

    func countMessageLimited() { self.counts.withLock { $0.messagesLimited += 1 } }

    func countExpired() { self.counts.withLock { $0.expired += 1 } }

    func countOverBudget() { self.counts.withLock { $0.closedOverBudget += 1 } }

    func queued(peak: Int) { self.counts.withLock { $0.peakQueuedBytes = max($0.peakQueuedBytes, peak) } }

    /// Counts an accepted connection and returns its number (1, 2, 3 …).
    func opened() -> Int {
        self.counts.withLock { counts in
            counts.open += 1
            counts.total += 1
            return counts.total
        }
    }

    func closed() { self.counts.withLock { $0.open -= 1 } }

    func sent() { self.counts.withLock { $0.framesSent += 1 } }
}
