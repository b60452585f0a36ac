import Replay

extension CheckReport {
    /// The report as one self-contained page: inline CSS, no scripts, no external
    /// reference of any kind (it opens in a browser offline), well-formed XML so any XML parser
    /// reads it, and an inline SVG timeline per tape. Deterministic.
    public func html() -> String {
        var xml = XMLWriter()
        xml.raw("<!DOCTYPE html>\n")
        xml.open("html", [("lang", "en")])
        xml.newline()
        xml.element("head") { xml in
            xml.element("meta", [("charset", "utf-8")])
            xml.element("title", text: "ticktape check: \(verdict.rawValue.uppercased())")
            xml.element("style") { $0.raw(Self.styleSheet) }
        }
        xml.newline()
        xml.open("body")
        xml.element("h1", [("class", "verdict " + verdict.rawValue)], text: headline)
        if tapes.count > 1 {
            xml.element("ul", [("class", "toc")]) { xml in
                for (i, tape) in tapes.enumerated() {
                    xml.element("li") { xml in
                        xml.element("a", [("href", "#tape-\(i + 1)")], text: "\(tape.tape): \(tape.verdict.rawValue)")
                    }
                }
            }
        }
        for (i, tape) in tapes.enumerated() {
            xml.newline()
            tape.writeHTML(id: "tape-\(i + 1)", into: &xml)
        }
        xml.newline()
        xml.close("body")
        xml.close("html")
        xml.newline()
        return xml.output
    }

    static let styleSheet = """

        body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
        h1.verdict { padding: 0.4em 0.6em; border-radius: 4px; font-size: 1.3em; }
        h1.pass { background: #dff3df; } h1.fail { background: #f8d7d7; } h1.unknown { background: #eee; }
        section.tape { border-top: 2px solid #ccc; margin-top: 1.5em; }
        table { border-collapse: collapse; margin: 0.5em 0; }
        td, th { border: 1px solid #ddd; padding: 2px 6px; text-align: left; vertical-align: top; }
        td.num { text-align: right; font-variant-numeric: tabular-nums; }
        tr.nonzero td { background: #fff3cd; }
        .mono, code { font-family: ui-monospace, monospace; font-size: 12px; }
        div.violation { margin: 0.6em 0; padding-left: 0.6em; border-left: 3px solid #c33; }
        svg.timeline { border: 1px solid #ddd; background: #fff; }
        svg .band.odd { fill: #cfe2f3; } svg .band.even { fill: #d9ead3; }
        svg .band-label, svg .axis, svg .label, svg .peak { font: 11px sans-serif; fill: #444; }
        svg .label, svg .peak { text-anchor: end; } svg .axis.end { text-anchor: end; }
        svg .row { fill: #fafafa; stroke: #eee; }
        svg polyline.rate { fill: none; stroke: #1f77b4; stroke-width: 1.5; }
        svg polyline.lag { fill: none; stroke: #9467bd; stroke-width: 1.5; }
        svg g.drops rect { fill: #d62728; }
        svg g.marker line { stroke: #d62728; stroke-width: 1; stroke-dasharray: 4 3; }
        svg g.marker.connect_failed line, svg g.marker.error line { stroke: #ff7f0e; }
        svg g.marker.loss line { stroke: #000; }

        """
}

extension TapeCheckResult {
    func writeHTML(id: String, into xml: inout XMLWriter) {
        xml.open("section", [("class", "tape"), ("id", id)])
        xml.element("h2", text: "tape \(tape): \(verdict.rawValue.uppercased())")
        if let reason { xml.element("p", [("class", "reason")], text: reason) }
        countsTable(into: &xml)
        xml.element("h3", text: "Timeline")
        TimelineSVG(timeline: timeline).write(into: &xml)
        violationsHTML(into: &xml)
        findingsHTML(into: &xml)
        consumersHTML(into: &xml)
        xml.element("h3", text: "Run")
        xml.element("p", [("class", "mono")], text: runSummary)
        xml.element("p", text: "integrity: " + integritySummary)
        if !notes.isEmpty {
            xml.element("ul", [("class", "notes")]) { xml in
                for note in notes { xml.element("li", text: note) }
            }
        }
        xml.close("section")
    }

    private func countsTable(into xml: inout XMLWriter) {
        xml.element("table", [("class", "counts")]) { xml in
            xml.element("tr") { xml in
                xml.element("th", text: "violations")
                for tally in violations {
                    xml.element("th", [("title", tally.kind.summary)], text: tally.kind.rawValue)
                }
            }
            xml.element("tr") { xml in
                xml.element("td", text: "count")
                for tally in violations { xml.element("td", [("class", "num")], text: String(tally.count)) }
            }
        }
        xml.element("table", [("class", "counts")]) { xml in
            xml.element("tr") { xml in
                xml.element("th", text: "findings")
                for tally in findings { xml.element("th", text: tally.kind.rawValue) }
            }
            xml.element("tr") { xml in
                xml.element("td", text: "count")
                for tally in findings { xml.element("td", [("class", "num")], text: String(tally.count)) }
            }
        }
    }

    private func violationsHTML(into xml: inout XMLWriter) {
        xml.element("h3", text: "Violations")
        let failing = violations.filter { $0.count > 0 }
        if failing.isEmpty { xml.element("p", text: "none") }
        for tally in failing {
            xml.element("h4", text: "\(tally.kind.rawValue) \(tally.kind.summary): \(tally.count)")
            for violation in tally.witnesses {
                xml.element("div", [("class", "violation")]) { xml in
                    xml.element("p", text: violation.explanation)
                    if !violation.deliveries.isEmpty { deliveriesTable(violation.deliveries, into: &xml) }
                }
            }
            if tally.count > tally.witnesses.count {
                xml.element("p", text: "… \(tally.count - tally.witnesses.count) more")
            }
        }
    }

    private func deliveriesTable(_ deliveries: [DeliveryWitness], into xml: inout XMLWriter) {
        // A client's deliveries log (check --deliveries): each witness names its line.
        let lines = deliveries.contains { $0.line != nil }
        xml.element("table", [("class", "witness")]) { xml in
            xml.element("tr") { xml in
                for title in (lines ? ["line"] : []) + [
                    "role", "consumer", "epoch", "seq", "type", "code", "event ms", "stream", "key", "delivered",
                ] {
                    xml.element("th", text: title)
                }
            }
            for d in deliveries {
                xml.element("tr") { xml in
                    if lines { xml.element("td", [("class", "num")], text: d.line.map { String($0) } ?? "") }
                    xml.element("td", text: d.role.rawValue)
                    xml.element("td", text: d.consumer)
                    xml.element("td", [("class", "num")], text: String(d.epoch))
                    xml.element("td", [("class", "num")], text: String(d.seq))
                    xml.element("td", text: d.type)
                    xml.element("td", text: d.code)
                    xml.element("td", [("class", "num")], text: String(d.eventTimeMs))
                    xml.element("td", text: d.streamType.name)
                    xml.element("td", [("class", "mono")], text: d.keyHex)
                    xml.element(
                        "td",
                        text: d.line != nil
                            ? "applied" : d.deliveredAtNs.map(DurationText.millis) ?? "never"
                    )
                }
            }
        }
    }

    private func findingsHTML(into xml: inout XMLWriter) {
        xml.element("h3", text: "Findings")
        let samples = findings.flatMap(\.samples)
        if samples.isEmpty {
            xml.element("p", text: "none")
            return
        }
        xml.element("table", [("class", "findings")]) { xml in
            xml.element("tr") { xml in
                for title in ["class", "epoch", "seq", "session time", "explanation"] { xml.element("th", text: title) }
            }
            for s in samples {
                xml.element("tr") { xml in
                    xml.element("td", text: s.kind.rawValue)
                    xml.element("td", [("class", "num")], text: String(s.epoch))
                    xml.element("td", [("class", "num")], text: String(s.seq))
                    xml.element("td", [("class", "num")], text: DurationText.seconds(s.sessionNs))
                    xml.element("td", text: s.explanation)
                }
            }
        }
    }

    private func consumersHTML(into xml: inout XMLWriter) {
        xml.element("h3", text: "Consumers")
        guard let replay, !replay.consumers.isEmpty else {
            xml.element("p", text: "none")
            return
        }
        xml.element("table", [("class", "consumers")]) { xml in
            xml.element("tr") { xml in
                for title in [
                    "name", "delivered", "dropped", "coalesced", "max depth", "lag p50", "lag p99", "lag max",
                    "drops/min", "epoch switches", "digest",
                ] {
                    xml.element("th", text: title)
                }
            }
            for m in replay.consumers {
                xml.element("tr") { xml in
                    xml.element("td", text: m.name)
                    for value in [m.delivered, m.dropped, m.coalesced, m.maxQueueDepth] {
                        xml.element("td", [("class", "num")], text: String(value))
                    }
                    for lag in [m.lagP50Ns, m.lagP99Ns, m.lagMaxNs] {
                        xml.element("td", [("class", "num")], text: DurationText.millis(lag))
                    }
                    xml.element("td", [("class", "num")], text: String(m.maxDropsPerMinute))
                    xml.element("td", [("class", "num")], text: String(m.epochSwitches))
                    xml.element("td", [("class", "mono")], text: m.digest)
                }
            }
        }
    }
}
