import Rules

/// What produced a check: the tape's chaos seed and schedule (when it was made by chaos) and
/// the replay and check options, reported so a run can be reproduced.
public struct RunInfo: Sendable, Hashable {
    /// The chaos seed stored in the tape, if any.
    public var seed: UInt64?
    /// The chaos schedule or spec stored in the tape, if any.
    public var chaos: String?
    public var replay: ReplayOptions
    public var check: CheckOptions
    /// Set when the check judged a user's client from its deliveries log (`check --deliveries`).
    public var client: ClientRunInfo?

    public init(seed: UInt64? = nil, chaos: String? = nil, replay: ReplayOptions, check: CheckOptions = CheckOptions())
    {
        self.seed = seed
        self.chaos = chaos
        self.replay = replay
        self.check = check
    }
}

/// The check of one tape: verdict, violations C1–C6 and I1–I4 with witnesses, findings,
/// per-consumer metrics and digests, and the session timeline.
public struct TapeCheckResult: Sendable {
    /// The tape as the user named it.
    public var tape: String
    public var verdict: Verdict
    /// Why the verdict is unknown; nil otherwise.
    public var reason: String?
    public var run: RunInfo
    public var integrity: IntegrityResults
    /// C1–C6 then I1–I4, each with its full count and first witnesses.
    public var violations: [ViolationTally]
    /// Every finding class, in declaration order.
    public var findings: [FindingTally]
    /// The replay's totals, rule counts and per-consumer metrics; nil when the tape was unreadable.
    public var replay: ReplayResult?
    /// The oracle's own per-consumer counts.
    public var consumers: [ConsumerTally]
    public var timeline: SessionTimeline
    public var notes: [String]

    /// Combines the oracle's outcome, the replay result and the recording invariants.
    public init(tape: String, run: RunInfo, integrity: IntegrityResults, outcome: OracleOutcome, replay: ReplayResult) {
        self.tape = tape
        self.run = run
        self.integrity = integrity
        self.replay = replay
        consumers = outcome.consumers
        timeline = outcome.timeline
        notes = outcome.notes
        findings = outcome.findings.map { Self.enriched($0, with: replay.witnesses) }
        violations =
            outcome.violations + [ViolationTally(kind: .l1, count: 0, witnesses: [])]
            + Self.integrityTallies(integrity, limit: run.check.witnessLimit)
        if violations.contains(where: { $0.count > 0 }) {
            verdict = .fail
            reason = nil
        } else {
            verdict = outcome.verdict
            reason = outcome.reason
        }
        if !integrity.checked { notes.append("I1–I4 were not checked: \(integrity.notCheckedBecause)") }
        notes.append(contentsOf: integrity.notes)
    }

    /// Adds L1 from a relay tape's reproduction: one violation per consumer whose live
    /// deliveries the tape does not reproduce, its first differing checkpoint as witness.
    public mutating func add(liveDigest reproduction: RelayReproduction) {
        guard let index = violations.firstIndex(where: { $0.kind == .l1 }) else { return }
        let failures = reproduction.failures
        violations[index] = ViolationTally(
            kind: .l1,
            count: failures.count,
            witnesses: failures.prefix(run.check.witnessLimit).map {
                Violation(
                    kind: .l1,
                    consumer: $0.name,
                    explanation: RelayReproduction.explain($0),
                    deliveries: []
                )
            }
        )
        if !failures.isEmpty {
            verdict = .fail
            reason = nil
        }
        let checkpoints = reproduction.consumers.reduce(0) { $0 + $1.checkpoints }
        notes.append(
            "L1: relay tape, \(reproduction.consumers.count) live consumers reproduced from their journal "
                + "(\(checkpoints) checkpoints compared, \(failures.count) differing)"
        )
    }

    /// A tape that could not be read: nothing was checked, the verdict is unknown.
    public static func unreadable(tape: String, reason: String, run: RunInfo) -> TapeCheckResult {
        TapeCheckResult(tape: tape, reason: reason, run: run)
    }

    private init(tape: String, reason: String, run: RunInfo) {
        self.tape = tape
        self.run = run
        verdict = .unknown
        self.reason = reason
        integrity = IntegrityResults()
        violations = ViolationClass.allCases.map { ViolationTally(kind: $0, count: 0, witnesses: []) }
        findings = FindingClass.allCases.map { FindingTally(kind: $0, count: 0, samples: []) }
        replay = nil
        consumers = []
        timeline = SessionTimeline(consumers: [], maxBuckets: run.check.timelineMaxBuckets)
        notes = []
    }

    /// Violations of every class.
    public var violationCount: Int { violations.reduce(0) { $0 + $1.count } }

    /// The tally of one violation class.
    public func violations(_ kind: ViolationClass) -> ViolationTally {
        violations.first { $0.kind == kind } ?? ViolationTally(kind: kind, count: 0, witnesses: [])
    }

    /// The tally of one finding class.
    public func findings(_ kind: FindingClass) -> FindingTally {
        findings.first { $0.kind == kind } ?? FindingTally(kind: kind, count: 0, samples: [])
    }

    private static func integrityTallies(_ integrity: IntegrityResults, limit: Int) -> [ViolationTally] {
        IntegrityResults.classes.map { kind in
            let problems = integrity.problems(of: kind)
            return ViolationTally(
                kind: kind,
                count: problems.count,
                witnesses: problems.prefix(limit).map {
                    Violation(kind: kind, consumer: nil, explanation: $0, deliveries: [])
                }
            )
        }
    }

    /// Replaces a discard sample's explanation by the rules' own witness of the same frame,
    /// which names what it conflicted with.
    private static func enriched(_ tally: FindingTally, with witnesses: [Witness]) -> FindingTally {
        guard let name = ruleWitnessName(tally.kind) else { return tally }
        var result = tally
        for i in result.samples.indices {
            let sample = result.samples[i]
            guard
                let witness = witnesses.first(where: {
                    $0.kind.name == name && $0.epoch == sample.epoch && $0.seq == sample.seq
                })
            else { continue }
            let key = [sample.type, sample.code].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
            result.samples[i].explanation = (key.isEmpty ? "" : key + ": ") + witness.explanation
        }
        return result
    }

    private static func ruleWitnessName(_ kind: FindingClass) -> String? {
        switch kind {
        case .duplicate: DiscardReason.duplicate.name
        case .staleEpoch: DiscardReason.staleEpoch.name
        case .staleSnapshot: DiscardReason.staleSnapshot.name
        case .beforeSnapshot: DiscardReason.beforeSnapshot.name
        case .outOfOrder: DiscardReason.outOfOrder.name
        case .reordered: WitnessKind.reordered.name
        case .outOfBand, .serverError, .unknown, .decodeError, .gap, .timeUnit, .silentStream: nil
        }
    }
}

/// The check of one or more tapes (`ticktape check TAPE…`), with the overall verdict.
public struct CheckReport: Sendable {
    public var tapes: [TapeCheckResult]

    public init(tapes: [TapeCheckResult]) { self.tapes = tapes }

    /// fail if any tape failed, else unknown if any was unknown (or there were none), else pass.
    public var verdict: Verdict { tapes.map(\.verdict).max() ?? .unknown }
}
