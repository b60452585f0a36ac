/// What the tape and the rules need of one exchange's messages, and nothing more.
///
/// The tape stores a few facts of every inbound data frame in plain columns (type, code, event
/// time, stream type, idempotency key) and the reconcile rules decide on those facts alone. A
/// profile is the one place that knows how an exchange spells them: the Upbit module provides
/// `UpbitProfile`; a second exchange is one new module with a type conforming to this protocol.
///
/// `FrameFacts.type` uses the canonical market type names (`ticker`, `trade`, `orderbook`,
/// `candle.<interval>`, `myOrder`, `myAsset`) and the out-of-band names (`status`, `error`,
/// `list`), whatever the exchange calls them on the wire.
public protocol ExchangeProfile: Sendable {
    /// A short, stable name of the profile (`upbit`), for reports and errors.
    var name: String { get }

    /// The facts of one inbound data payload; `type` is nil when the payload is not a message the
    /// profile recognises (it stays in the tape, raw, and decodes as unknown).
    ///
    /// Called on the recording path for every inbound data frame: it must not allocate more than
    /// the facts themselves, and must never trap on malformed bytes.
    func facts(of payload: UnsafeRawBufferPointer) -> FrameFacts

    /// The same message in the exchange's other spellings (Upbit: SIMPLE keys for a DEFAULT
    /// message and the reverse), empty when there are none or the payload is not a message. A
    /// client may log a message in a spelling other than the tape's; its idempotency key in the
    /// tape's spelling is then the key of one of these.
    func otherSpellings(of payload: [UInt8]) -> [[UInt8]]

    /// The streams a subscription request asks for, or nil when the profile cannot read it (not
    /// a request it knows). Checks use it to tell a stream that went silent while subscribed
    /// from one the client stopped asking for. The default reads nothing.
    func requestedStreams(in request: [UInt8]) -> [RequestedStream]?
}

/// One (type, code) selection of a subscription request, with canonical names as in
/// ``FrameFacts``: `code` nil selects every code of the type (a request without codes).
public struct RequestedStream: Sendable, Hashable {
    public var type: String
    public var code: String?

    public init(type: String, code: String?) {
        self.type = type
        self.code = code
    }
}

extension ExchangeProfile {
    /// No other spellings: a profile whose exchange has one.
    public func otherSpellings(of payload: [UInt8]) -> [[UInt8]] { [] }

    /// Reads no request: every stream that had data counts as subscribed.
    public func requestedStreams(in request: [UInt8]) -> [RequestedStream]? { nil }

    /// The facts of a payload held in an array.
    public func facts(of payload: [UInt8]) -> FrameFacts {
        payload.withUnsafeBytes { facts(of: $0) }
    }
}
