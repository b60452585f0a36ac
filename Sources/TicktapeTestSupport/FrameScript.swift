import Exchange
import Rules
import Upbit

// A small frame-script DSL for the rules and replay tests:
//
//     script {
//         at(ms: 120, epoch: 2) { trade("KRW-BTC", sid: 7, .snapshot) }
//     }
//
// reads "at t=120 ms in epoch 2: trade KRW-BTC sid 7 SNAPSHOT". Seq numbers are assigned per
// epoch in script order; event time defaults to the moment's ms; idempotency keys are computed
// here (FNV-1a), independently of the Upbit scanner, over the inputs the Upbit profile defines
// (trade: code and sequential_id; other types: type, code, timestamp and a value standing in
// for the payload digest).

/// One scripted message before it is placed at a moment.
public struct Scripted: Sendable {
    public var type: String?
    public var code: String?
    public var timeMs: Int64?
    public var stream: StreamType?
    public var sid: UInt64?
    /// Stand-in for the payload digest: equal values mean equal content.
    public var value: Int = 0
    /// False for frames that must lack an idempotency key (decode errors).
    public var keyed = true

    public init(
        type: String? = nil,
        code: String? = nil,
        timeMs: Int64? = nil,
        stream: StreamType? = nil,
        sid: UInt64? = nil,
        value: Int = 0,
        keyed: Bool = true
    ) {
        self.type = type
        self.code = code
        self.timeMs = timeMs
        self.stream = stream
        self.sid = sid
        self.value = value
        self.keyed = keyed
    }
}

/// One scripted inbound data frame, placed.
public struct ScriptFrame: Sendable {
    public var epoch: UInt32
    public var seq: UInt64
    public var monoMs: Int64
    public var facts: FrameFacts

    public init(epoch: UInt32, seq: UInt64, monoMs: Int64, facts: FrameFacts) {
        self.epoch = epoch
        self.seq = seq
        self.monoMs = monoMs
        self.facts = facts
    }

    public var ruleInput: RuleInput {
        RuleInput(epoch: epoch, seq: seq, arrivalNs: monoMs * 1_000_000, facts: facts)
    }
}

/// Frames at one moment of one epoch.
public struct Moment: Sendable {
    public var ms: Int64
    public var epoch: UInt32
    public var items: [Scripted]

    public init(ms: Int64, epoch: UInt32, items: [Scripted]) {
        self.ms = ms
        self.epoch = epoch
        self.items = items
    }
}

@resultBuilder
public enum MomentBuilder {
    public static func buildExpression(_ item: Scripted) -> [Scripted] { [item] }
    public static func buildExpression(_ items: [Scripted]) -> [Scripted] { items }
    public static func buildBlock(_ parts: [Scripted]...) -> [Scripted] { parts.flatMap { $0 } }
    public static func buildArray(_ parts: [[Scripted]]) -> [Scripted] { parts.flatMap { $0 } }
    public static func buildOptional(_ part: [Scripted]?) -> [Scripted] { part ?? [] }
    public static func buildEither(first: [Scripted]) -> [Scripted] { first }
    public static func buildEither(second: [Scripted]) -> [Scripted] { second }
}

@resultBuilder
public enum ScriptBuilder {
    public static func buildExpression(_ moment: Moment) -> [Moment] { [moment] }
    public static func buildExpression(_ moments: [Moment]) -> [Moment] { moments }
    public static func buildBlock(_ parts: [Moment]...) -> [Moment] { parts.flatMap { $0 } }
    public static func buildArray(_ parts: [[Moment]]) -> [Moment] { parts.flatMap { $0 } }
    public static func buildOptional(_ part: [Moment]?) -> [Moment] { part ?? [] }
    public static func buildEither(first: [Moment]) -> [Moment] { first }
    public static func buildEither(second: [Moment]) -> [Moment] { second }
}

public func at(ms: Int64, epoch: UInt32 = 1, @MomentBuilder _ body: () -> [Scripted]) -> Moment {
    Moment(ms: ms, epoch: epoch, items: body())
}

/// Places moments in order and numbers seq per epoch.
public func script(@ScriptBuilder _ body: () -> [Moment]) -> [ScriptFrame] {
    place(body())
}

public func place(_ moments: [Moment]) -> [ScriptFrame] {
    var nextSeq: [UInt32: UInt64] = [:]
    var frames: [ScriptFrame] = []
    for moment in moments {
        for item in moment.items {
            let seq = nextSeq[moment.epoch, default: 1]
            nextSeq[moment.epoch] = seq + 1
            frames.append(
                ScriptFrame(epoch: moment.epoch, seq: seq, monoMs: moment.ms, facts: facts(of: item, at: moment.ms))
            )
        }
    }
    return frames
}

public func facts(of item: Scripted, at ms: Int64) -> FrameFacts {
    let time = item.timeMs ?? ms
    var facts = FrameFacts(type: item.type, code: item.code, streamType: item.stream, sequentialID: item.sid)
    guard let type = item.type, MarketType(type: type) != nil else { return facts }
    facts.eventTimeMs = time
    guard item.keyed else { return facts }
    if type == "trade", let sid = item.sid {
        facts.idempotencyKey = fnv(["trade", item.code ?? "", String(sid)])
    } else {
        facts.idempotencyKey = fnv([type, item.code ?? "", String(time), String(item.value)])
    }
    return facts
}

public func fnv(_ parts: [String]) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for part in parts {
        for byte in part.utf8 + [0] {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
    }
    return hash
}

// MARK: - Messages

public func ticker(_ code: String, time: Int64? = nil, _ stream: StreamType = .realtime, value: Int = 0) -> Scripted {
    Scripted(type: "ticker", code: code, timeMs: time, stream: stream, value: value)
}

public func orderbook(_ code: String, time: Int64? = nil, _ stream: StreamType = .realtime, value: Int = 0) -> Scripted
{
    Scripted(type: "orderbook", code: code, timeMs: time, stream: stream, value: value)
}

public func candle(
    _ code: String,
    unit: String = "1m",
    time: Int64? = nil,
    _ stream: StreamType = .realtime,
    value: Int = 0
)
    -> Scripted
{
    Scripted(type: "candle.\(unit)", code: code, timeMs: time, stream: stream, value: value)
}

public func trade(_ code: String, sid: UInt64, time: Int64? = nil, _ stream: StreamType = .realtime) -> Scripted {
    Scripted(type: "trade", code: code, timeMs: time, stream: stream, sid: sid)
}

public func myOrder(_ code: String, time: Int64? = nil, value: Int = 0) -> Scripted {
    Scripted(type: "myOrder", code: code, timeMs: time, stream: .realtime, value: value)
}

public func myAsset(time: Int64? = nil, value: Int = 0) -> Scripted {
    Scripted(type: "myAsset", code: nil, timeMs: time, stream: .realtime, value: value)
}

public func status() -> Scripted { Scripted(type: "status") }
public func serverError() -> Scripted { Scripted(type: "error") }
public func listReply() -> Scripted { Scripted(type: "list") }
public func unknownFrame() -> Scripted { Scripted(type: nil) }

/// A market message the scanner could not fully decode (no idempotency key).
public func undecodable(_ type: String, _ code: String) -> Scripted {
    Scripted(type: type, code: code, stream: .realtime, keyed: false)
}

// MARK: - Running

/// Runs frames through a fresh reconciler; returns it and the decisions in order.
public func reconcile(
    _ frames: [ScriptFrame],
    options: ReconcilerOptions = ReconcilerOptions()
) -> (Reconciler, [Decision]) {
    var reconciler = Reconciler(options: options)
    let decisions = frames.map { reconciler.decide($0.ruleInput) }
    return (reconciler, decisions)
}

/// The (epoch, seq) of accepted frames, in order.
public func acceptedPositions(_ decisions: [Decision]) -> [[UInt64]] {
    decisions.compactMap {
        if case .accept(let event) = $0 { return [UInt64(event.epoch), event.seq] }
        return nil
    }
}

/// Runs frames through a pipeline with consumers given as spec strings; returns the metrics and
/// everything observed.
public func fanout(
    _ frames: [ScriptFrame],
    consumers: [String],
    rules: ReconcilerOptions = ReconcilerOptions()
) throws -> ([ConsumerMetrics], DeliveryRecorder) {
    let specs = try consumers.map { try ConsumerSpec.parse($0) }
    var pipeline = try RulePipeline(rules: rules, consumers: specs)
    let recorder = DeliveryRecorder()
    for frame in frames { pipeline.ingest(frame.ruleInput, observer: recorder) }
    pipeline.finish(observer: recorder)
    return (pipeline.hub.metrics(), recorder)
}
