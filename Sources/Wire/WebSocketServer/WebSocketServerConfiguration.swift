import NIOCore
import NIOPosix

/// How a ``WebSocketServer`` listens and what it accepts. Shared by `serve` and `simulate`.
public struct WebSocketServerConfiguration: Sendable {
    /// Address to bind: 127.0.0.1 unless another address is asked for explicitly.
    public var host = "127.0.0.1"
    /// Port to bind; 0 picks a free one (read ``WebSocketServer/port``).
    public var port = 0
    /// Paths that upgrade to WebSocket (Upbit's public and private endpoints).
    public var paths: Set<String> = ["/websocket/v1", "/websocket/v1/private"]
    /// Most simultaneous WebSocket clients; further upgrades get HTTP 503.
    public var maxClients = 256
    /// Largest client message (frame or reassembled), default 64 KiB; larger gets close 1009.
    public var maxMessageSize = 1 << 16
    /// Close a connection silent in both directions this long (Upbit: about 120 s).
    public var idleTimeout: TimeAmount = .seconds(120)
    /// Close a connection that has not completed its HTTP request (upgrade or plain GET) this
    /// long after it opened, whatever state its upgrade is in: a TCP connection that never
    /// speaks, or whose upgrade failed half-way (e.g. a request body), must not hold a client
    /// slot, or keep ``WebSocketServer/run(handler:)`` from finishing, forever. An upgrade that
    /// fails is closed at once.
    public var handshakeTimeout: TimeAmount = .seconds(10)
    /// Close a WebSocket client whose socket stays unwritable this long (it stopped reading):
    /// close 1008 is queued, the handler is stopped at once, and TCP closes once the 1008 is out
    /// or after ``unwritableGrace``. A client that keeps reading, however slowly, makes the
    /// socket writable again and restarts the deadline. Counted in
    /// ``WebSocketServerCounters/closedUnwritable``.
    public var unwritableTimeout: TimeAmount = .seconds(10)
    /// How long a connection closed for ``unwritableTimeout`` keeps its socket open so that a
    /// client that resumes reading still gets the 1008 before TCP closes.
    public var unwritableGrace: TimeAmount = .seconds(2)
    /// SO_SNDBUF for accepted sockets; nil leaves the kernel's autotuning. Small buffers make a
    /// stuck client visible sooner (and tests deterministic).
    public var socketSendBufferSize: Int?
    /// Where the server counts connections it closed on its own (shared with `/status`).
    public var counters = WebSocketServerCounters()
    /// TLS, when the server should speak `wss`.
    public var tls: WebSocketServerTLS?
    /// Where message stamps come from.
    public var clock: WireClock = .system
    /// The event loop group (default: NIO's shared singleton).
    public var group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    /// Told about errors that ended one connection (the server itself keeps running).
    public var onConnectionError: (@Sendable (any Error) -> Void)?
    /// Answers plain HTTP requests other than `GET /status` (Upbit's REST quotation endpoints,
    /// ``QuotationResponder``); nil answers them 404.
    public var httpResponder: (any PlainHTTPResponder)?

    public init() {}
}
