import Replay
import Rules

extension CheckReport {
    /// The default report: the verdict on the first line, then each tape's violations with
    /// their witnesses, findings, consumers and options. Deterministic.
    public func text() -> String {
        var lines = [headline]
        for tape in tapes {
            lines.append("")
            lines.append(contentsOf: tape.textLines())
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `PASS: …`, `FAIL: …` or `UNKNOWN: …` in one line.
    var headline: String {
        let failed = tapes.filter { $0.verdict == .fail }.count
        let total = tapes.count
        let plural = total == 1 ? "tape" : "tapes"
        switch verdict {
        case .pass:
            return "PASS: \(total) \(plural) checked, no violations"
        case .fail:
            var counts: [String] = []
            for kind in ViolationClass.allCases {
                let n = tapes.reduce(0) { $0 + $1.violations(kind).count }
                if n > 0 { counts.append("\(kind.rawValue) \(n)") }
            }
            let n = tapes.reduce(0) { $0 + $1.violationCount }
            return "FAIL: \(n) violation\(n == 1 ? "" : "s") (\(counts.joined(separator: ", "))) in \(failed) of "
                + "\(total) \(plural)"
        case .unknown:
            let reasons = tapes.filter { $0.verdict == .unknown }.map { "\($0.tape): \($0.reason ?? "unknown")" }
            return "UNKNOWN: " + (reasons.isEmpty ? "no tape checked" : reasons.joined(separator: "; "))
        }
    }
}

extension TapeCheckResult {
    func textLines() -> [String] {
        var lines = ["tape \(tape): \(verdict.rawValue.uppercased())" + (reason.map { " (\($0))" } ?? "")]
        lines.append("  run: " + runSummary)
        if let client = run.client {
            lines.append("  client: " + Self.clientSummary(client))
        } else {
            for spec in run.replay.consumers { lines.append("  consumer spec: \(spec)") }
        }
        lines.append("  integrity: " + integritySummary)
        let nonzero = violations.filter { $0.count > 0 }
        lines.append(
            "  violations: "
                + (nonzero.isEmpty ? "none" : nonzero.map { "\($0.kind.rawValue) \($0.count)" }.joined(separator: ", "))
        )
        for tally in nonzero {
            lines.append("  \(tally.kind.rawValue) \(tally.kind.summary): \(tally.count)")
            for violation in tally.witnesses {
                lines.append("    - \(violation.explanation)")
                for d in violation.deliveries { lines.append("      \(Self.describe(d))") }
            }
            if tally.count > tally.witnesses.count {
                lines.append("    … \(tally.count - tally.witnesses.count) more")
            }
        }
        let found = findings.filter { $0.count > 0 }
        lines.append(
            "  findings: "
                + (found.isEmpty ? "none" : found.map { "\($0.kind.rawValue) \($0.count)" }.joined(separator: ", "))
        )
        for tally in found {
            for sample in tally.samples {
                lines.append("    \(tally.kind.rawValue) (\(sample.epoch), \(sample.seq)): \(sample.explanation)")
            }
        }
        if let replay {
            let rules = replay.rules
            lines.append(
                "  rules: \(rules.inputs) judged, \(rules.accepted) accepted, \(rules.discarded) discarded, "
                    + "\(rules.reordered) reordered, \(rules.epochSwitches) epoch switches; "
                    + "\(replay.totals.epochs) epochs, \(replay.streamKeys) stream keys"
            )
            for m in replay.consumers {
                if run.client != nil {
                    lines.append(
                        "  client \(m.name): applied \(m.delivered) matched lines of \(m.offered) accepted events "
                            + "of its streams, epoch switches \(m.epochSwitches)"
                    )
                    lines.append("    digest \(m.digest)")
                    continue
                }
                lines.append(
                    "  consumer \(m.name): delivered \(m.delivered), dropped \(m.dropped), coalesced \(m.coalesced), "
                        + "max depth \(m.maxQueueDepth), lag p50 \(DurationText.millis(m.lagP50Ns)) "
                        + "p99 \(DurationText.millis(m.lagP99Ns)) max \(DurationText.millis(m.lagMaxNs)), "
                        + "drops/min \(m.maxDropsPerMinute), epoch switches \(m.epochSwitches)"
                )
                lines.append("    digest \(m.digest)")
            }
        }
        for note in notes { lines.append("  note: \(note)") }
        return lines
    }

    var runSummary: String {
        var parts: [String] = []
        parts.append("seed " + (run.seed.map { String($0) } ?? "none"))
        if let chaos = run.chaos { parts.append("chaos \(chaos)") }
        parts.append("speed \(run.replay.speed)")
        let disabled = run.replay.rules.disabled.sorted().map(\.rawValue)
        parts.append("rules off: " + (disabled.isEmpty ? "none" : disabled.joined(separator: ",")))
        parts.append("R3 window \(run.replay.rules.dedupWindowMs) ms")
        parts.append("C1 window \(run.check.dedupWindowMs) ms")
        parts.append("gap threshold \(DurationText.seconds(run.check.gapThresholdNs))")
        parts.append("silence window \(DurationText.seconds(run.check.silenceWindowNs))")
        parts.append("witnesses \(run.check.witnessLimit)")
        return parts.joined(separator: ", ")
    }

    var integritySummary: String {
        guard integrity.checked else { return "not checked" }
        let failing = IntegrityResults.classes.filter { !integrity.problems(of: $0).isEmpty }
        let invariants = failing.isEmpty ? "I1–I4 ok" : "problems in " + failing.map(\.rawValue).joined(separator: ", ")
        let payloads: String
        switch integrity.payloads {
        case "crc32": payloads = "payloads proven (inflated, CRC-32)"
        case "length": payloads = "payloads checked by length only (format 1)"
        case "skipped": payloads = "payloads not proven (--quick)"
        default: payloads = "payloads not checked"
        }
        return invariants + "; " + payloads
    }

    static func clientSummary(_ client: ClientRunInfo) -> String {
        "\(client.name), \(client.lines) lines of \(client.deliveries); sent log "
            + (client.sentLog ?? "none") + "; " + (client.lossless ? "lossless (C6 checked)" : "not declared lossless")
    }

    static func describe(_ d: DeliveryWitness) -> String {
        let role = d.role.rawValue.padding(to: 13)
        let at: String
        if d.line != nil {
            at = d.deliveredAtNs.map { "applied at t_ns \($0)" } ?? "applied"
        } else {
            at = d.deliveredAtNs.map { "delivered at \(DurationText.millis($0))" } ?? "not delivered"
        }
        return "\(role) \(d.frame) \(d.streamKey) \(d.streamType.name) \(d.eventTimeMs) ms key \(d.keyHex) \(at)"
    }
}

extension String {
    fileprivate func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
