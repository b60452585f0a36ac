import Exchange
import Replay
import Rules
import Upbit

// Builders for hand-made delivery streams and scripted tapes, named `check…` so they cannot
// clash with other helpers of this test target. Idempotency keys are computed here (FNV-1a over
// the inputs the Upbit profile keys on: code and sequential_id for trades, else type, code,
// timestamp and a value standing in for the payload digest), independently of the scanner and
// of the oracle.

/// FNV-1a over the given parts, each followed by a 0 separator.
func checkKey(_ parts: String...) -> UInt64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for part in parts {
        for byte in part.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        hash &*= 0x100_0000_01b3
    }
    return hash
}

/// A market event as the rules would have accepted it. Trades are keyed by (code, sid), every
/// other type by (type, code, time, value).
func checkEvent(
    _ type: String,
    _ code: String,
    epoch: UInt32 = 1,
    seq: UInt64,
    ms: Int64,
    _ stream: StreamType = .realtime,
    sid: UInt64? = nil,
    value: Int = 0,
    keyID: Int32 = -1
) -> MarketEvent {
    let key =
        type == "trade"
        ? checkKey(code, String(sid ?? seq)) : checkKey(type, code, String(ms), String(value))
    return MarketEvent(
        epoch: epoch,
        seq: seq,
        arrivalNs: ms * 1_000_000,
        marketType: MarketType(type: type) ?? .ticker,
        keyID: keyID,
        type: type,
        code: code,
        eventTimeMs: ms,
        streamType: stream,
        idempotencyKey: key
    )
}

/// Facts of an inbound frame, for scripted tapes run through the real engine.
func checkFacts(
    _ type: String,
    _ code: String,
    ms: Int64,
    _ stream: StreamType = .realtime,
    sid: UInt64? = nil,
    value: Int = 0
) -> FrameFacts {
    let key =
        type == "trade"
        ? checkKey(code, String(sid ?? 0)) : checkKey(type, code, String(ms), String(value))
    return FrameFacts(
        type: type,
        code: code,
        eventTime: ms,
        streamType: stream,
        sequentialID: sid,
        idempotencyKey: key
    )
}

/// Drives a ``CheckOracle`` by hand: accept, deliver, drop, coalesce.
final class CheckHarness {
    let oracle: CheckOracle

    init(_ consumers: [ConsumerSpec] = [ConsumerSpec(name: "gui")], options: CheckOptions = CheckOptions()) {
        oracle = CheckOracle(consumers: consumers, options: options)
    }

    /// Accepted by the rules and delivered at once to `consumers` (default: the first).
    @discardableResult
    func pass(_ event: MarketEvent, to consumers: [Int] = [0]) -> MarketEvent {
        oracle.accepted(event)
        for c in consumers { oracle.delivered(event, to: c, atNs: event.arrivalNs) }
        return event
    }

    func accept(_ event: MarketEvent) { oracle.accepted(event) }

    func deliver(_ event: MarketEvent, to consumer: Int = 0) {
        oracle.delivered(event, to: consumer, atNs: event.arrivalNs)
    }

    func drop(_ event: MarketEvent, from consumer: Int = 0) {
        oracle.dropped(event, from: consumer, atNs: event.arrivalNs)
    }

    var outcome: OracleOutcome { oracle.outcome() }

    func count(_ kind: ViolationClass) -> Int { outcome.violations.first { $0.kind == kind }?.count ?? 0 }

    func witnesses(_ kind: ViolationClass) -> [Violation] {
        outcome.violations.first { $0.kind == kind }?.witnesses ?? []
    }

    /// Violations of every class.
    var total: Int { outcome.violations.reduce(0) { $0 + $1.count } }

    /// The (epoch, seq) of the deliveries named by the first witness of `kind`.
    func frames(_ kind: ViolationClass) -> [String] {
        witnesses(kind).first?.deliveries.map(\.frame) ?? []
    }
}

/// A two-epoch session with the two classic reconnect anomalies:
///
/// - epoch 2's ticker SNAPSHOT (2, 2) repeats epoch 1's last ticker (1, 5) exactly: the same
///   idempotency key (R3 `duplicate`);
/// - trade sid 7 at 1400 ms arrives as REALTIME (2, 4) after the trade SNAPSHOT at 1500 ms
///   (2, 3): older than its snapshot (R4 `beforeSnapshot`).
///
/// Times: event time in ms, arrival (monotonic) in ms since the session start.
func checkReconnectScript() -> [ReplayInput] {
    func frame(_ epoch: UInt32, _ seq: UInt64, atMs: Int64, _ facts: FrameFacts) -> ReplayInput {
        .frame(epoch: epoch, seq: seq, monoNs: atMs * 1_000_000, facts: facts)
    }
    func subscribe(_ epoch: UInt32, atMs: Int64) -> ReplayInput {
        .frame(
            ReplayFrame(
                epoch: epoch,
                seq: 1,
                direction: .outbound,
                opcode: .text,
                monoNs: atMs * 1_000_000,
                facts: FrameFacts()
            )
        )
    }
    return [
        .lifecycle(.connect, epoch: 1, monoNs: 0),
        subscribe(1, atMs: 1),
        frame(1, 2, atMs: 10, checkFacts("ticker", "KRW-BTC", ms: 1_000, .snapshot, value: 1)),
        frame(1, 3, atMs: 11, checkFacts("trade", "KRW-BTC", ms: 990, .snapshot, sid: 5)),
        frame(1, 4, atMs: 100, checkFacts("trade", "KRW-BTC", ms: 1_100, sid: 6)),
        frame(1, 5, atMs: 200, checkFacts("ticker", "KRW-BTC", ms: 1_200, value: 2)),
        .lifecycle(.disconnect, epoch: 1, monoNs: 300_000_000),
        .lifecycle(.connect, epoch: 2, monoNs: 1_000_000_000),
        subscribe(2, atMs: 1_001),
        frame(2, 2, atMs: 1_010, checkFacts("ticker", "KRW-BTC", ms: 1_200, .snapshot, value: 2)),
        frame(2, 3, atMs: 1_011, checkFacts("trade", "KRW-BTC", ms: 1_500, .snapshot, sid: 8)),
        frame(2, 4, atMs: 1_050, checkFacts("trade", "KRW-BTC", ms: 1_400, sid: 7)),
        frame(2, 5, atMs: 1_100, checkFacts("ticker", "KRW-BTC", ms: 1_600, value: 3)),
        frame(2, 6, atMs: 1_200, checkFacts("trade", "KRW-BTC", ms: 1_700, sid: 9)),
        .lifecycle(.sessionEnd, epoch: 2, monoNs: 1_300_000_000),
    ]
}

/// Checks ``checkReconnectScript()`` through the real engine with `disabled` rules off.
func checkReconnect(
    disabled: Set<RuleID> = [],
    consumers: [ConsumerSpec] = [],
    integrity: IntegrityResults = IntegrityResults()
) throws -> TapeCheckResult {
    let replay = ReplayOptions(
        speed: .factor(1),
        consumers: consumers,
        rules: ReconcilerOptions(disabled: disabled)
    )
    return try CheckPipeline.check(
        tape: "reconnect.tape",
        inputs: checkReconnectScript(),
        run: RunInfo(seed: 42, replay: replay),
        integrity: integrity
    )
}
