import Replay
import Rules
import TapeLog

extension ReplayResult {
    /// The result as JSON: fixed key order, integers only (times in ns), a trailing newline.
    /// The same inputs and options always give the same bytes.
    public func json() -> String {
        ReportJSON.object([
            ("options", optionsJSON),
            ("totals", totalsJSON),
            ("stream_keys", .int(streamKeys)),
            ("rules", rulesJSON),
            ("consumers", .array(consumers.map(Self.consumerJSON))),
        ]).rendered()
    }

    private var optionsJSON: ReportJSON {
        .object([
            ("speed", .string(options.speed.description)),
            ("consumers", .array(options.consumers.map { .string($0.description) })),
            ("dedup_window_ms", .int(options.rules.dedupWindowMs)),
            ("disabled_rules", .array(options.rules.disabled.sorted().map { .string($0.rawValue) })),
            ("witness_limit", .int(options.rules.witnessLimit)),
        ])
    }

    private var totalsJSON: ReportJSON {
        .object([
            ("inputs", .int(totals.inputs)),
            ("frames", .int(totals.frames)),
            ("inbound_data", .int(totals.inboundData)),
            ("inbound_control", .int(totals.inboundControl)),
            ("outbound", .int(totals.outbound)),
            ("lifecycle", .object(LifecycleKind.allCases.map { ($0.rawValue, .int(totals.count($0))) })),
            ("lost_frames", .int(totals.lostFrames)),
            ("epochs", .int(Int64(totals.epochs))),
            ("first_mono_ns", .int(totals.firstMonoNs)),
            ("last_mono_ns", .int(totals.lastMonoNs)),
            ("virtual_end_ns", .int(totals.virtualEndNs)),
        ])
    }

    private var rulesJSON: ReportJSON {
        .object([
            ("inputs", .int(rules.inputs)),
            ("accepted", .int(rules.accepted)),
            ("discarded", .int(rules.discarded)),
            ("by_reason", .object(DiscardReason.allCases.map { ($0.name, .int(rules.count($0))) })),
            ("out_of_band", .object(OutOfBandKind.allCases.map { ($0.name, .int(rules.count($0))) })),
            ("reordered", .int(rules.reordered)),
            ("epoch_switches", .int(rules.epochSwitches)),
            ("witnesses", .array(witnesses.map(Self.witnessJSON))),
        ])
    }

    private static func witnessJSON(_ w: Witness) -> ReportJSON {
        var fields: [(String, ReportJSON)] = [
            ("kind", .string(w.kind.name)),
            ("epoch", .int(Int64(w.epoch))),
            ("seq", .uint(w.seq)),
            ("type", w.type.map { .string($0) } ?? .null),
            ("code", w.code.map { .string($0) } ?? .null),
            ("event_time_ms", w.eventTimeMs.map { .int($0) } ?? .null),
            ("stream_type", w.streamType.map { .string($0.name) } ?? .null),
            ("arrival_ns", .int(w.arrivalNs)),
        ]
        if let c = w.conflict {
            fields.append(
                (
                    "conflict",
                    .object([
                        ("epoch", .int(Int64(c.epoch))),
                        ("seq", .uint(c.seq)),
                        ("event_time_ms", c.eventTimeMs.map { .int($0) } ?? .null),
                    ])
                )
            )
        } else {
            fields.append(("conflict", .null))
        }
        fields.append(("explanation", .string(w.explanation)))
        return .object(fields)
    }

    private static func consumerJSON(_ c: ConsumerMetrics) -> ReportJSON {
        .object([
            ("name", .string(c.name)),
            ("offered", .int(c.offered)),
            ("delivered", .int(c.delivered)),
            ("dropped", .int(c.dropped)),
            ("coalesced", .int(c.coalesced)),
            ("max_queue_depth", .int(c.maxQueueDepth)),
            ("queued", .int(c.queued)),
            ("lag_ns", .object([("p50", .int(c.lagP50Ns)), ("p99", .int(c.lagP99Ns)), ("max", .int(c.lagMaxNs))])),
            ("max_drops_per_minute", .int(c.maxDropsPerMinute)),
            ("epoch_switches", .int(c.epochSwitches)),
            ("digest", .string(c.digest)),
        ])
    }
}
