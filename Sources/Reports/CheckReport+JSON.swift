import Replay
import Rules
import TapeLog

extension CheckReport {
    /// The report as JSON, described exactly by `Schemas/check-report.schema.json`: fixed key
    /// order, integers only (times in ns or ms, idempotency keys as 16 hex digits, the seed as a
    /// decimal string because it may exceed 2^63), a trailing newline. The same inputs and
    /// options always give the same bytes.
    public func json() -> String {
        ReportJSON.object([
            ("format", .string("ticktape-check-report")),
            ("version", .int(1)),
            ("verdict", .string(verdict.rawValue)),
            ("tapes", .array(tapes.map { $0.jsonValue })),
        ]).rendered()
    }
}

extension TapeCheckResult {
    var jsonValue: ReportJSON {
        .object([
            ("tape", .string(tape)),
            ("verdict", .string(verdict.rawValue)),
            ("reason", reason.map { .string($0) } ?? .null),
            ("run", runJSON),
            (
                "integrity",
                .object([("checked", .bool(integrity.checked)), ("payloads", .string(integrity.payloads))])
            ),
            ("violation_counts", .object(violations.map { ($0.kind.rawValue, .int($0.count)) })),
            ("finding_counts", .object(findings.map { ($0.kind.rawValue, .int($0.count)) })),
            ("violations", .array(violations.flatMap { $0.witnesses.map(Self.violationJSON) })),
            ("findings", .array(findings.flatMap { $0.samples.map(Self.findingJSON) })),
            ("totals", replay.map { Self.totalsJSON($0.totals) } ?? .null),
            ("rules", replay.map(Self.rulesJSON) ?? .null),
            ("consumers", .array(consumersJSON)),
            ("notes", .array(notes.map { .string($0) })),
            ("timeline", Self.timelineJSON(timeline)),
        ])
    }

    private var runJSON: ReportJSON {
        let rules = run.replay.rules
        return .object([
            ("seed", run.seed.map { .string(String($0)) } ?? .null),
            ("chaos", run.chaos.map { .string($0) } ?? .null),
            ("speed", .string(run.replay.speed.description)),
            ("consumers", .array(run.replay.consumers.map { .string($0.description) })),
            ("client", run.client.map(Self.clientJSON) ?? .null),
            (
                "rules",
                .object([
                    ("dedup_window_ms", .int(rules.dedupWindowMs)),
                    ("disabled", .array(rules.disabled.sorted().map { .string($0.rawValue) })),
                    ("witness_limit", .int(rules.witnessLimit)),
                ])
            ),
            (
                "check",
                .object([
                    ("dedup_window_ms", .int(run.check.dedupWindowMs)),
                    ("gap_threshold_ns", .int(run.check.gapThresholdNs)),
                    ("silence_window_ns", .int(run.check.silenceWindowNs)),
                    ("witness_limit", .int(run.check.witnessLimit)),
                    ("timeline_max_buckets", .int(run.check.timelineMaxBuckets)),
                ])
            ),
        ])
    }

    private static func violationJSON(_ v: Violation) -> ReportJSON {
        .object([
            ("class", .string(v.kind.rawValue)),
            ("consumer", v.consumer.map { .string($0) } ?? .null),
            ("explanation", .string(v.explanation)),
            ("deliveries", .array(v.deliveries.map(deliveryJSON))),
            ("line", v.line.map { .int(Int64($0)) } ?? .null),
        ])
    }

    private static func clientJSON(_ c: ClientRunInfo) -> ReportJSON {
        .object([
            ("name", .string(c.name)),
            ("deliveries", .string(c.deliveries)),
            ("sent_log", c.sentLog.map { .string($0) } ?? .null),
            ("lossless", .bool(c.lossless)),
            ("lines", .int(Int64(c.lines))),
        ])
    }

    private static func deliveryJSON(_ d: DeliveryWitness) -> ReportJSON {
        .object([
            ("role", .string(d.role.rawValue)),
            ("consumer", .string(d.consumer)),
            ("epoch", .int(Int64(d.epoch))),
            ("seq", .int(Int64(clamping: d.seq))),
            ("type", .string(d.type)),
            ("code", .string(d.code)),
            ("event_time_ms", .int(d.eventTimeMs)),
            ("stream_type", .string(d.streamType.name)),
            ("key", .string(d.keyHex)),
            ("delivered_at_ns", d.deliveredAtNs.map { .int($0) } ?? .null),
            ("line", d.line.map { .int(Int64($0)) } ?? .null),
        ])
    }

    private static func findingJSON(_ f: FindingSample) -> ReportJSON {
        .object([
            ("class", .string(f.kind.rawValue)),
            ("epoch", .int(Int64(f.epoch))),
            ("seq", .int(Int64(clamping: f.seq))),
            ("type", f.type.map { .string($0) } ?? .null),
            ("code", f.code.map { .string($0) } ?? .null),
            ("event_time_ms", f.eventTimeMs.map { .int($0) } ?? .null),
            ("stream_type", f.streamType.map { .string($0.name) } ?? .null),
            ("key", f.keyHex.map { .string($0) } ?? .null),
            ("session_ns", .int(f.sessionNs)),
            ("explanation", .string(f.explanation)),
        ])
    }

    private static func totalsJSON(_ t: ReplayTotals) -> ReportJSON {
        .object([
            ("inputs", .int(t.inputs)),
            ("frames", .int(t.frames)),
            ("inbound_data", .int(t.inboundData)),
            ("inbound_control", .int(t.inboundControl)),
            ("outbound", .int(t.outbound)),
            ("lifecycle", .object(LifecycleKind.allCases.map { ($0.rawValue, .int(t.count($0))) })),
            ("lost_frames", .int(t.lostFrames)),
            ("epochs", .int(Int64(t.epochs))),
            ("first_mono_ns", .int(t.firstMonoNs)),
            ("last_mono_ns", .int(t.lastMonoNs)),
            ("virtual_end_ns", .int(t.virtualEndNs)),
        ])
    }

    private static func rulesJSON(_ r: ReplayResult) -> ReportJSON {
        .object([
            ("inputs", .int(r.rules.inputs)),
            ("accepted", .int(r.rules.accepted)),
            ("discarded", .int(r.rules.discarded)),
            ("by_reason", .object(DiscardReason.allCases.map { ($0.name, .int(r.rules.count($0))) })),
            ("out_of_band", .object(OutOfBandKind.allCases.map { ($0.name, .int(r.rules.count($0))) })),
            ("reordered", .int(r.rules.reordered)),
            ("epoch_switches", .int(r.rules.epochSwitches)),
            ("stream_keys", .int(r.streamKeys)),
        ])
    }

    private var consumersJSON: [ReportJSON] {
        guard let replay else { return [] }
        return replay.consumers.enumerated().map { i, m in
            let spec = i < run.replay.consumers.count ? run.replay.consumers[i] : nil
            let t = i < consumers.count ? consumers[i] : nil
            return .object([
                ("name", .string(m.name)),
                // A client judged from its log has no spec of ours: its line in `run.client` says what it is.
                ("spec", run.client == nil ? spec.map { .string($0.description) } ?? .null : .null),
                ("offered", .int(m.offered)),
                ("delivered", .int(m.delivered)),
                ("dropped", .int(m.dropped)),
                ("coalesced", .int(m.coalesced)),
                ("max_queue_depth", .int(m.maxQueueDepth)),
                ("queued", .int(m.queued)),
                ("lag_ns", .object([("p50", .int(m.lagP50Ns)), ("p99", .int(m.lagP99Ns)), ("max", .int(m.lagMaxNs))])),
                ("max_drops_per_minute", .int(m.maxDropsPerMinute)),
                ("epoch_switches", .int(m.epochSwitches)),
                ("digest", .string(m.digest)),
                ("oracle", t.map(Self.tallyJSON) ?? .null),
            ])
        }
    }

    private static func tallyJSON(_ t: ConsumerTally) -> ReportJSON {
        .object([
            ("accepted_selected", .int(t.acceptedSelected)),
            ("accepted_trades", .int(t.acceptedTrades)),
            ("delivered_trades", .int(t.deliveredTrades)),
            ("dropped_trades", .int(t.droppedTrades)),
            ("coalesced_trades", .int(t.coalescedTrades)),
            ("final_state", .string(t.finalState.rawValue)),
        ])
    }

    private static func timelineJSON(_ t: SessionTimeline) -> ReportJSON {
        .object([
            ("origin_ns", t.originNs.map { .int($0) } ?? .null),
            ("bucket_ns", .int(t.bucketNs)),
            ("messages", .array(t.messages.map { .int($0) })),
            (
                "epochs",
                .array(
                    t.epochs.map {
                        .object([
                            ("epoch", .int(Int64($0.epoch))), ("start_ns", .int($0.startNs)),
                            ("end_ns", .int($0.endNs)), ("ending", .string($0.ending.rawValue)),
                        ])
                    }
                )
            ),
            (
                "markers",
                .array(
                    t.markers.map {
                        .object([
                            ("kind", .string($0.kind.rawValue)), ("epoch", .int(Int64($0.epoch))),
                            ("at_ns", .int($0.atNs)),
                        ])
                    }
                )
            ),
            ("markers_omitted", .int(t.markersOmitted)),
            (
                "consumers",
                .array(
                    t.consumers.map {
                        .object([
                            ("name", .string($0.name)),
                            ("delivered", .array($0.delivered.map { .int($0) })),
                            ("drops", .array($0.drops.map { .int($0) })),
                            ("max_lag_ns", .array($0.maxLagNs.map { .int($0) })),
                        ])
                    }
                )
            ),
        ])
    }
}
