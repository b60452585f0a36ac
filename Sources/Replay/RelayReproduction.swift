import Exchange
import Rules
import TapeLog

/// `ticktape replay TAPE --as-recorded`: a relay tape's live consumers, reproduced from what the
/// tape holds (the frames through the same rules, the consumers' opens, requests and closes at
/// their positions, and the takes their marks record), each compared with the live consumer at
/// every journaled checkpoint (the check's L1).
public struct RelayReproduction: Sendable {
    /// One consumer as reproduced.
    public struct Consumer: Sendable {
        public var id: Int
        public var spec: String
        /// Who it was (a client's address, `in-process`).
        public var detail: String?
        /// The reproduction's figures at its close (or at the end of the tape, when still open).
        public var metrics: ConsumerMetrics
        /// Whether its close is on the tape.
        public var closed: Bool
        /// Checkpoints compared, and those that agreed.
        public var checkpoints: Int
        public var agreed: Int
        /// The live figures of its last checkpoint on the tape.
        public var live: RelayCheckpoint?
    }

    /// The rule options the relay ran.
    public var rules: ReconcilerOptions
    public var consumers: [Consumer]
    /// Every disagreement (at most one per consumer: its first) and every checkpoint that could
    /// not be compared.
    public var failures: [RelayCheckpointResult]
    /// Inbound data frames fed through the rules.
    public var frames: Int

    /// Reproduces `reader`'s relay journal; nil when the tape was not recorded by a relay.
    public static func run(_ reader: TapeReader) throws(TapeError) -> RelayReproduction? {
        guard let journal = try reader.relayJournal() else { return nil }
        guard let rules = ReconcilerOptions(relayText: journal.rules) else {
            throw .corrupt(path: reader.path, reason: "relay_session: rules '\(journal.rules)' are not understood")
        }
        var checkpoints: [RelayCheckpoint] = []
        for mark in journal.marks {
            guard let marks = RelayMarks.decode(mark.marks, after: mark.fromOp),
                marks.marks.allSatisfy({ $0.op <= mark.toOp })
            else {
                throw .corrupt(
                    path: reader.path,
                    reason:
                        "relay_mark of consumer \(mark.consumer) (ops \(mark.fromOp)…\(mark.toOp)): marks are not varint pairs in range"
                )
            }
            checkpoints.append(
                RelayCheckpoint(
                    consumer: Int(mark.consumer),
                    fromOp: mark.fromOp,
                    toOp: mark.toOp,
                    marks: marks,
                    delivered: Int(mark.delivered),
                    dropped: Int(mark.dropped),
                    coalesced: Int(mark.coalesced),
                    depth: Int(mark.depth),
                    digest: mark.digest
                )
            )
        }
        var relay = LiveRelay(rules: rules, reproducing: checkpoints)
        var events = journal.events[...]
        var details: [Int: (spec: String, detail: String?)] = [:]
        var problems: [RelayCheckpointResult] = []

        func apply(_ event: RelayEventRecord) {
            let id = Int(event.consumer)
            do {
                switch event.kind {
                case "open":
                    guard let text = event.spec, let spec = try? ConsumerSpec.parse(text) else {
                        throw RelayError.badJournal("consumer \(id) opens with no readable spec")
                    }
                    let request = try event.request.map { text throws(RelayError) in
                        guard let request = RelayRequest(parsing: text) else {
                            throw .badJournal("consumer \(id): request '\(text)' is not understood")
                        }
                        return request
                    }
                    details[id] = (text, event.detail)
                    try relay.open(spec, request: request, id: id, monoNs: event.monoNs)
                case "request":
                    guard let text = event.request, let request = RelayRequest(parsing: text) else {
                        throw RelayError.badJournal(
                            "consumer \(id): request '\(event.request ?? "")' is not understood"
                        )
                    }
                    try relay.request(id, request, monoNs: event.monoNs)
                default:
                    try relay.close(id, monoNs: event.monoNs)
                }
            } catch {
                problems.append(.unreached(consumer: id, note: "\(error)"))
            }
        }

        while let first = events.first, first.epoch == 0, first.afterSeq == 0 {
            apply(first)
            events = events.dropFirst()
        }
        var frames = 0
        let cursor = try reader.entries(payloads: false)
        while let entry = try cursor.next() {
            guard case .frame(let frame) = entry else { continue }
            let record = frame.record
            guard record.direction == .inbound, record.opcode.isData else { continue }
            frames += 1
            _ = relay.ingest(
                RuleInput(epoch: record.epoch, seq: record.seq, arrivalNs: record.monoNs, facts: frame.facts)
            )
            while let next = events.first, next.epoch == record.epoch, next.afterSeq == record.seq {
                apply(next)
                events = events.dropFirst()
            }
        }
        if let stray = events.first {
            problems.append(
                .unreached(
                    consumer: Int(stray.consumer),
                    note: "its \(stray.kind) follows frame (\(stray.epoch), \(stray.afterSeq)), "
                        + "which is not an inbound data frame of the tape in that order"
                )
            )
        }
        relay.finishReproduction()

        var consumers: [Consumer] = []
        let results = relay.results
        var live: [Int: RelayCheckpoint] = [:]
        for checkpoint in checkpoints { live[checkpoint.consumer] = checkpoint }
        func summary(_ id: Int, _ metrics: ConsumerMetrics, closed: Bool) -> Consumer {
            let mine = results.filter { $0.consumer == id }
            return Consumer(
                id: id,
                spec: details[id]?.spec ?? "",
                detail: details[id]?.detail,
                metrics: metrics,
                closed: closed,
                checkpoints: mine.count,
                agreed: mine.filter(\.agrees).count,
                live: live[id]
            )
        }
        for (id, metrics) in relay.closed { consumers.append(summary(id, metrics, closed: true)) }
        for id in relay.consumers {
            if let metrics = relay.metrics(of: id) { consumers.append(summary(id, metrics, closed: false)) }
        }
        consumers.sort { $0.id < $1.id }
        return RelayReproduction(
            rules: rules,
            consumers: consumers,
            failures: problems + results.filter { !$0.agrees },
            frames: frames
        )
    }

    /// Whether every consumer's every checkpoint agreed.
    public var holds: Bool { failures.isEmpty }

    /// One sentence per failure: the consumer, the checkpoint, the figures on both sides and the
    /// first delivery after the ones that agreed.
    public static func explain(_ failure: RelayCheckpointResult) -> String {
        if let note = failure.note { return "consumer \(failure.consumer) (\(failure.name)): \(note)" }
        let live = failure.live
        var text =
            "consumer \(failure.consumer) (\(failure.name)): at the checkpoint after operation \(live.toOp) "
            + "live delivered \(live.delivered) (dropped \(live.dropped), coalesced \(live.coalesced), "
            + "digest \(live.digest.prefix(12))…), the replay \(failure.offlineDelivered) "
            + "(dropped \(failure.offlineDropped), coalesced \(failure.offlineCoalesced), "
            + "digest \(failure.offlineDigest.prefix(12))…); both agreed on the first \(failure.agreedDelivered)"
        if let first = failure.firstDifferent {
            text += "; the replay's next delivery was (\(first.epoch), \(first.seq))"
        }
        return text
    }
}

extension ReconcilerOptions {
    /// The relay's journaled form: `dedup_window_ms=60000,disabled=R3|R4`.
    public var relayText: String {
        "dedup_window_ms=\(dedupWindowMs),disabled=\(disabled.sorted().map(\.rawValue).joined(separator: "|"))"
    }

    /// Parses ``relayText``; nil when it is not that form.
    public init?(relayText text: String) {
        var window: Int64?
        var disabled: Set<RuleID>?
        for field in text.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = field.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { return nil }
            switch parts[0] {
            case "dedup_window_ms": window = Int64(parts[1]).flatMap { $0 > 0 ? $0 : nil }
            case "disabled":
                var rules: Set<RuleID> = []
                for name in parts[1].split(separator: "|") {
                    guard let rule = RuleID(rawValue: String(name)) else { return nil }
                    rules.insert(rule)
                }
                disabled = rules
            default: return nil
            }
        }
        guard let window, let disabled else { return nil }
        self.init(dedupWindowMs: window, disabled: disabled)
    }
}
