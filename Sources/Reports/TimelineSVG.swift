import Replay

/// The inline SVG timeline of one tape (epochs, disconnects, message rate, drops and lag):
/// one band per epoch (`<g class="epoch" data-epoch="N">`), lifecycle
/// markers across every row, the inbound message rate, and per consumer its drops and lag.
/// Coordinates are whole pixels; long sessions are drawn at one column per pixel at most.
struct TimelineSVG {
    static let left = 120
    static let plotWidth = 820
    static let bandHeight = 26
    static let rowHeight = 48
    static let gap = 10

    let timeline: SessionTimeline

    func write(into xml: inout XMLWriter) {
        let rows = 1 + 2 * timeline.consumers.count
        let height = Self.gap + Self.bandHeight + Self.gap + rows * (Self.rowHeight + Self.gap) + 16
        let width = Self.left + Self.plotWidth + 20
        xml.open(
            "svg",
            [
                ("class", "timeline"), ("width", String(width)), ("height", String(height)),
                ("viewBox", "0 0 \(width) \(height)"), ("role", "img"),
            ]
        )
        xml.element("title", text: "session timeline: epochs, disconnects, message rate, drops and lag")
        var y = Self.gap
        epochBands(y: y, into: &xml)
        y += Self.bandHeight + Self.gap
        let columns = self.columns
        series(
            "messages",
            values: columns.map { $0.messages },
            unit: "msgs",
            y: y,
            style: "rate",
            bars: false,
            into: &xml
        )
        y += Self.rowHeight + Self.gap
        for (i, consumer) in timeline.consumers.enumerated() {
            series(
                "\(consumer.name) drops",
                values: columns.map { $0.drops[i] },
                unit: "drops",
                y: y,
                style: "drops",
                bars: true,
                into: &xml
            )
            y += Self.rowHeight + Self.gap
            series(
                "\(consumer.name) lag",
                values: columns.map { $0.lagNs[i] / 1_000_000 },
                unit: "ms lag",
                y: y,
                style: "lag",
                bars: false,
                into: &xml
            )
            y += Self.rowHeight + Self.gap
        }
        markers(top: Self.gap, bottom: y - Self.gap, into: &xml)
        xml.element(
            "text",
            [("class", "axis"), ("x", String(Self.left)), ("y", String(height - 4))],
            text: DurationText.seconds(timeline.originNs ?? 0)
        )
        xml.element(
            "text",
            [("class", "axis end"), ("x", String(Self.left + Self.plotWidth)), ("y", String(height - 4))],
            text: DurationText.seconds(timeline.endNs)
        )
        xml.close("svg")
    }

    // MARK: Layout

    private var spanNs: Double { Double(max(1, timeline.endNs - (timeline.originNs ?? 0))) }

    private func x(_ ns: Int64) -> Int {
        let offset = Double(ns - (timeline.originNs ?? 0))
        let fraction = min(1, max(0, offset / spanNs))
        return Self.left + Int((fraction * Double(Self.plotWidth)).rounded())
    }

    /// Buckets grouped so that there is at most one column per pixel.
    private struct Column {
        var messages: Int64 = 0
        var drops: [Int64]
        var lagNs: [Int64]
    }

    private var columns: [Column] {
        let n = timeline.bucketCount
        let group = max(1, (n + Self.plotWidth - 1) / Self.plotWidth)
        let consumers = timeline.consumers.count
        return stride(from: 0, to: n, by: group).map { start in
            var column = Column(
                drops: Array(repeating: 0, count: consumers),
                lagNs: Array(repeating: 0, count: consumers)
            )
            for b in start..<min(n, start + group) {
                column.messages += Int64(timeline.messages[b])
                for c in 0..<consumers {
                    column.drops[c] += Int64(timeline.consumers[c].drops[b])
                    column.lagNs[c] = max(column.lagNs[c], timeline.consumers[c].maxLagNs[b])
                }
            }
            return column
        }
    }

    // MARK: Rows

    private func epochBands(y: Int, into xml: inout XMLWriter) {
        label("epochs", y: y + Self.bandHeight / 2 + 4, into: &xml)
        for span in timeline.epochs {
            let x0 = x(span.startNs)
            let width = max(2, x(span.endNs) - x0)
            xml.element("g", [("class", "epoch"), ("data-epoch", String(span.epoch))]) { xml in
                xml.element(
                    "title",
                    text: "epoch \(span.epoch): \(DurationText.seconds(span.startNs)) to "
                        + "\(DurationText.seconds(span.endNs)) (\(span.ending.rawValue))"
                )
                xml.element(
                    "rect",
                    [
                        ("class", span.epoch % 2 == 0 ? "band even" : "band odd"), ("x", String(x0)),
                        ("y", String(y)), ("width", String(width)), ("height", String(Self.bandHeight)),
                    ]
                )
                xml.element(
                    "text",
                    [("class", "band-label"), ("x", String(x0 + 3)), ("y", String(y + Self.bandHeight - 8))],
                    text: String(span.epoch)
                )
            }
        }
    }

    private func series(
        _ name: String,
        values: [Int64],
        unit: String,
        y: Int,
        style: String,
        bars: Bool,
        into xml: inout XMLWriter
    ) {
        let peak = values.max() ?? 0
        label(name, y: y + Self.rowHeight / 2, into: &xml)
        xml.element(
            "text",
            [("class", "peak"), ("x", String(Self.left - 6)), ("y", String(y + Self.rowHeight / 2 + 13))],
            text: "max \(peak) \(unit)"
        )
        xml.element(
            "rect",
            [
                ("class", "row"), ("x", String(Self.left)), ("y", String(y)), ("width", String(Self.plotWidth)),
                ("height", String(Self.rowHeight)),
            ]
        )
        guard !values.isEmpty, peak > 0 else { return }
        let step = Double(Self.plotWidth) / Double(values.count)
        let bottom = y + Self.rowHeight
        func top(_ value: Int64) -> Int {
            bottom - Int((Double(value) / Double(peak) * Double(Self.rowHeight)).rounded())
        }
        if bars {
            xml.element("g", [("class", style)]) { xml in
                for (i, value) in values.enumerated() where value > 0 {
                    let x0 = Self.left + Int((Double(i) * step).rounded())
                    xml.element(
                        "rect",
                        [
                            ("x", String(x0)), ("y", String(top(value))),
                            ("width", String(max(1, Int(step.rounded())))),
                            ("height", String(bottom - top(value))),
                        ]
                    )
                }
            }
        } else {
            let points = values.enumerated().map { i, value in
                "\(Self.left + Int(((Double(i) + 0.5) * step).rounded())),\(top(value))"
            }
            xml.element("polyline", [("class", style), ("points", points.joined(separator: " "))])
        }
    }

    private func markers(top: Int, bottom: Int, into xml: inout XMLWriter) {
        xml.element("g", [("class", "markers")]) { xml in
            for marker in timeline.markers {
                let at = x(marker.atNs)
                xml.element("g", [("class", "marker " + marker.kind.rawValue)]) { xml in
                    xml.element(
                        "title",
                        text: "\(marker.kind.rawValue) in epoch \(marker.epoch) at \(DurationText.seconds(marker.atNs))"
                    )
                    xml.element(
                        "line",
                        [("x1", String(at)), ("y1", String(top)), ("x2", String(at)), ("y2", String(bottom))]
                    )
                }
            }
        }
    }

    private func label(_ text: String, y: Int, into xml: inout XMLWriter) {
        xml.element("text", [("class", "label"), ("x", String(Self.left - 6)), ("y", String(y))], text: text)
    }
}
