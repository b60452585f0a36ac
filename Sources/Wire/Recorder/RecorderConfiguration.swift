import NIOCore

/// Everything a ``Recorder`` needs; defaults follow the recording contract (see the module's
/// overview).
public struct RecorderConfiguration: Sendable {
    /// How the 60 s keepalive is sent.
    public enum Keepalive: Sendable, Equatable {
        /// An RFC 6455 ping frame (Upbit answers with a pong).
        case pingFrame
        /// The text message `PING` (Upbit answers `{"status":"UP"}`).
        case pingText
    }

    /// The upstream URL.
    public var url: WebSocketURL
    /// The subscription request, sent as a text message first on every connection.
    public var subscription: ByteBuffer
    /// Extra headers, asked for afresh before every connection (a fresh JWT each time).
    /// Never recorded.
    public var headers: @Sendable () throws -> [(String, String)] = { [] }
    /// TLS for wss (default: system trust roots, built once per recorder).
    public var tls: WebSocketTLS?
    /// Largest accepted frame/message (default 16 MiB).
    public var maxFrameSize = 1 << 24
    /// Backoff, stall and keepalive timings, connect limit, jitter seed.
    public var policy = RecorderStateMachine.Configuration()
    public var keepalive = Keepalive.pingFrame
    /// How long to wait for the server's close reply when stopping (at most 2 s by default).
    public var closeTimeoutNanos: Int64 = 2_000_000_000
    /// Outbound message limit per connection (Upbit: 5/s and 100/min).
    public var messageLimit = RateLimiter.upbitMessages()
    /// The clock for stamps and timers.
    public var clock: WireClock = .system
    /// Connect timeout, buffer watermarks, event loop group (its clock is replaced by `clock`).
    public var clientOptions = WebSocketClient.Options()
    /// Where the recorder's tasks run (and, in ``RecordingRun`` and ``RelayRun``, the whole
    /// session's): nil for Swift's cooperative pool; a ``DedicatedExecutor`` keeps a process's
    /// own busy tasks from delaying the reads and writes.
    public var executor: (any TaskExecutor)?

    public init(url: WebSocketURL, subscription: ByteBuffer) {
        self.url = url
        self.subscription = subscription
    }
}
