import Replay
import Rules

extension ReplayResult {
    /// A human summary, one line per section and per consumer.
    public func text() -> String {
        var lines: [String] = []
        lines.append(
            "replay: \(totals.inputs) inputs, \(totals.frames) frames (\(totals.inboundData) data in, "
                + "\(totals.inboundControl) control in, \(totals.outbound) out), \(totals.epochs) epochs, "
                + "\(streamKeys) stream keys, speed \(options.speed)"
        )
        let discards = DiscardReason.allCases.filter { rules.count($0) > 0 }
            .map { "\($0.name) \(rules.count($0))" }
        let discardText = discards.isEmpty ? "" : " (" + discards.joined(separator: ", ") + ")"
        lines.append(
            "rules: \(rules.accepted) accepted, \(rules.discarded) discarded\(discardText), "
                + "\(rules.reordered) reordered, \(rules.epochSwitches) epoch switches"
        )
        for witness in witnesses {
            let key = "\(witness.type ?? "?") \(witness.code ?? "")"
            lines.append(
                "  \(witness.kind.name): epoch \(witness.epoch) seq \(witness.seq) \(key): \(witness.explanation)"
            )
        }
        for c in consumers {
            lines.append(
                "consumer \(c.name): delivered \(c.delivered), dropped \(c.dropped), coalesced \(c.coalesced), "
                    + "max depth \(c.maxQueueDepth), lag p50 \(Self.millis(c.lagP50Ns)) p99 \(Self.millis(c.lagP99Ns)) "
                    + "max \(Self.millis(c.lagMaxNs)), drops/min \(c.maxDropsPerMinute), "
                    + "epoch switches \(c.epochSwitches), digest \(c.digest)"
            )
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Nanoseconds as milliseconds with three decimals, by integer arithmetic.
    static func millis(_ ns: Int64) -> String {
        let micros = ns / 1_000
        let fraction = String(micros % 1_000)
        return "\(micros / 1_000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)ms"
    }
}
