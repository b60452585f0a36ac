import Replay
import Rules

extension RelayReproduction {
    /// `replay --as-recorded` in text: one line per consumer (the reproduction's figures and
    /// whether its every checkpoint matched the live one), then the verdict and each difference.
    public func text() -> String {
        var lines = [
            "relay tape: \(consumers.count) consumers reproduced from \(frames) inbound frames "
                + "(rules \(rules.relayText))"
        ]
        for consumer in consumers {
            let m = consumer.metrics
            let who = consumer.detail.map { " (\($0))" } ?? ""
            let live =
                consumer.live.map { $0.digest == m.digest ? "identical" : "live \($0.digest.prefix(16))…" } ?? "none"
            lines.append(
                "consumer \(consumer.id) \(m.name)\(who): delivered \(m.delivered), dropped \(m.dropped), "
                    + "coalesced \(m.coalesced)\(consumer.closed ? "" : ", still open at the end of the tape"); "
                    + "digest \(m.digest.prefix(16))…, live digest \(live); "
                    + "\(consumer.agreed) of \(consumer.checkpoints) checkpoints match"
            )
        }
        if holds {
            lines.append("L1 holds: every consumer's live deliveries are reproduced exactly")
        } else {
            lines.append("L1 fails for \(failures.count) consumer\(failures.count == 1 ? "" : "s"):")
            for failure in failures { lines.append("  - " + Self.explain(failure)) }
        }
        return lines.joined(separator: "\n")
    }

    /// `replay --as-recorded --json`: fixed key order, a trailing newline.
    public func json() -> String {
        ReportJSON.object([
            ("rules", .string(rules.relayText)),
            ("inbound_frames", .int(frames)),
            ("l1", .string(holds ? "holds" : "fails")),
            (
                "consumers",
                .array(
                    consumers.map { consumer in
                        let m = consumer.metrics
                        return .object([
                            ("id", .int(consumer.id)),
                            ("name", .string(m.name)),
                            ("detail", consumer.detail.map(ReportJSON.string) ?? .null),
                            ("closed", .bool(consumer.closed)),
                            ("delivered", .int(m.delivered)),
                            ("dropped", .int(m.dropped)),
                            ("coalesced", .int(m.coalesced)),
                            ("digest", .string(m.digest)),
                            ("live_digest", consumer.live.map { ReportJSON.string($0.digest) } ?? .null),
                            ("checkpoints", .int(consumer.checkpoints)),
                            ("agreed", .int(consumer.agreed)),
                        ])
                    }
                )
            ),
            ("failures", .array(failures.map { .string(Self.explain($0)) })),
        ]).rendered()
    }
}
