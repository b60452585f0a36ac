import Upbit

/// One market message an Upbit-like server can send: its stream key, the format its bytes are
/// in, and the bytes (stream type as produced: REALTIME for live updates).
public struct ExchangeMessage: Sendable, Hashable {
    public var type: String
    /// Nil for myAsset.
    public var code: String?
    public var format: UpbitFormat.Format
    public var payload: [UInt8]
    /// The tape frame the message was recorded as, when it comes from a tape (`serve`): what a
    /// sent log names, so a client's deliveries can be traced to their frames.
    public var origin: FrameOrigin?

    public init(
        type: String,
        code: String?,
        format: UpbitFormat.Format,
        payload: [UInt8],
        origin: FrameOrigin? = nil
    ) {
        self.type = type
        self.code = code
        self.format = format
        self.payload = payload
        self.origin = origin
    }
}

/// A tape frame's place: its connection epoch and sequence number.
public struct FrameOrigin: Sendable, Hashable {
    /// The frame's connection epoch (1, 2, 3 …).
    public var epoch: UInt32
    /// The frame's sequence number within its epoch.
    public var seq: UInt64

    public init(epoch: UInt32, seq: UInt64) {
        self.epoch = epoch
        self.seq = seq
    }
}

/// What a market source tells every connected client.
public enum ExchangeEvent: Sendable, Hashable {
    /// A live update.
    case message(ExchangeMessage)
    /// Every client connection must close now: a server-side chaos cut, or an epoch boundary
    /// of a recording being served with `--replay-disconnects`. `abrupt` drops TCP without a
    /// close frame (what a network cut looks like); otherwise a close frame with `code`.
    case disconnectAll(code: UInt16, reason: String, abrupt: Bool)
    /// Every private connection's token has expired (server-side chaos `auth-expire`): each
    /// connection on the private path is sent an `INVALID_AUTH` error, then closed with 1008;
    /// public connections carry on.
    case expirePrivate
}

/// The data behind an Upbit-like server: the simulator's synthetic markets, or a tape being
/// served. The per-connection protocol (requests, snapshots, formats, limits) is the same for
/// both and lives in the exchange handler; a source only knows state and time.
public protocol MarketSource: Sendable {
    /// The current state of stream (type, code), for the SNAPSHOT a (re)subscription gets
    /// (the handler rewrites its stream type); nil when the stream has no state yet.
    func snapshot(type: String, code: String?) async -> ExchangeMessage?
    /// Events from now on, for one new listener, until it stops iterating. Sources never block
    /// on a slow listener.
    func events() async -> AsyncStream<ExchangeEvent>
    /// A connection's subscription was installed (after its snapshots were taken). A tape
    /// being served starts its replay clock on the first one; others ignore it.
    func subscribed() async
    /// Whether a connection waits for room in its send queue when its client is slow, instead
    /// of closing it (1008 "slow consumer"). True for a tape served at `max` speed, which runs
    /// "as fast as the slowest listener takes the frames" (`ServeSpeed.max`): the wait then
    /// reaches the source through its listener buffer. False (the default) for live-paced sources,
    /// which never wait for anyone. The wait is bounded by the server: a client whose socket stays
    /// unwritable past ``WebSocketServerConfiguration/unwritableTimeout`` is closed.
    var waitsForSlowClients: Bool { get }
}

extension MarketSource {
    public func subscribed() async {}
    public var waitsForSlowClients: Bool { false }
}
