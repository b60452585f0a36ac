import Rules

/// Replays one tape's inputs through the rules and fan-out with the check oracle attached, and
/// turns the result into a ``TapeCheckResult``: the `ticktape check` pipeline (reader ─► rules ─►
/// fan-out ─► oracle ─► report) minus the file.
///
/// Streaming: feed inputs in tape order, then ``finish(integrity:)``. Memory is the engine's
/// plus the oracle's (see ``CheckOracle``), never the tape's length.
public struct CheckPipeline {
    /// With no `--consumer`, one consumer that takes everything, never drops (`block`) and is
    /// instant, so that C1–C6 judge exactly what the rules accepted.
    public static let defaultConsumer = ConsumerSpec(name: "all", capacity: 1_024, policy: .block)

    public let tape: String
    public let run: RunInfo
    private var engine: ReplayEngine
    private let oracle: CheckOracle

    /// Starts a check of `tape` (a name for the report). An empty consumer list is replaced by
    /// ``defaultConsumer`` (and the report's options say so).
    public init(tape: String, run: RunInfo) throws(ReplayError) {
        var run = run
        if run.replay.consumers.isEmpty { run.replay.consumers = [Self.defaultConsumer] }
        self.tape = tape
        self.run = run
        engine = try ReplayEngine(options: run.replay)
        oracle = CheckOracle(consumers: run.replay.consumers, options: run.check)
    }

    /// One input, in tape order.
    public mutating func feed(_ input: ReplayInput) {
        oracle.observe(input)
        engine.feed(input, observer: oracle)
    }

    /// A hint for an input a few places ahead of the next ``feed(_:)``: the rules and the oracle
    /// start loading the memory they will touch for it. Changes nothing; the checker is just as
    /// correct without it, only slower on tapes whose windows outgrow the caches.
    public func prefetch(_ input: ReplayInput) {
        guard let key = input.inboundIdempotencyKey else { return }
        engine.prefetch(idempotencyKey: key)
        oracle.prefetch(idempotencyKey: key)
    }

    /// Drains the queues and evaluates. `integrity` carries I1–I4 when the caller verified the
    /// tape file. The checker is spent afterwards.
    public mutating func finish(integrity: IntegrityResults = IntegrityResults()) -> TapeCheckResult {
        let result = engine.finish(observer: oracle)
        let outcome = oracle.outcome(metrics: result.consumers)
        return TapeCheckResult(tape: tape, run: run, integrity: integrity, outcome: outcome, replay: result)
    }

    /// Checks a whole sequence of inputs.
    public static func check<Inputs: Sequence>(
        tape: String,
        inputs: Inputs,
        run: RunInfo,
        integrity: IntegrityResults = IntegrityResults()
    ) throws(ReplayError) -> TapeCheckResult where Inputs.Element == ReplayInput {
        var checker = try CheckPipeline(tape: tape, run: run)
        for input in inputs { checker.feed(input) }
        return checker.finish(integrity: integrity)
    }
}
