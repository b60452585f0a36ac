extension Expectations {
    /// Every difference between `self` (expected) and `actual`, one readable line each, in the
    /// expected file's order, then non-zero counts only the actual run has: an exact count reads
    /// `findings.duplicate: expected 12, got 13`; a broken bound names the bound and by how much,
    /// `consumer.gui.lag_p99_ms <= 200: got 321, 121 over the bound`. Lines of a multi-tape file
    /// start with the tape's name. Empty when they agree. `actual` may carry measures
    /// (``init(measuring:)``); a measure the file does not name is never a difference.
    public func differences(from actual: Expectations) -> [String] {
        var lines: [String] = []
        let multi = sections.count > 1 || actual.sections.count > 1 || sections.contains { $0.tape != nil }
        for section in sections {
            let prefix = multi ? "\(section.tape ?? "(unnamed)"): " : ""
            guard let other = Self.match(section, in: actual) else {
                lines.append("\(prefix)expected but not checked")
                continue
            }
            lines += Self.differences(section, other).map { prefix + $0 }
        }
        for other in actual.sections where Self.match(other, in: self) == nil {
            lines.append("\(multi ? "\(other.tape ?? "(unnamed)"): " : "")checked but has no expectations")
        }
        return lines
    }

    static func match(_ section: Section, in expectations: Expectations) -> Section? {
        if expectations.sections.count == 1, section.tape == nil || expectations.sections[0].tape == nil {
            return expectations.sections[0]
        }
        return expectations.sections.first { $0.tape == section.tape }
    }

    private static func differences(_ expected: Section, _ actual: Section) -> [String] {
        var lines: [String] = []
        for count in expected.counts {
            let got = actual[count.name]
            switch (count.comparison, got) {
            case (.equal, let got) where got != count.value:
                lines.append("\(count.name): expected \(count.value), got \(got.map(String.init) ?? "nothing")")
            case (.atMost, nil), (.atLeast, nil):
                lines.append("\(count.line): got nothing")
            case (.atMost, let got?) where got > count.value:
                lines.append("\(count.line): got \(got), \(got - count.value) over the bound")
            case (.atLeast, let got?) where got < count.value:
                lines.append("\(count.line): got \(got), \(count.value - got) under the bound")
            default: break
            }
        }
        // A count the file does not name is a difference only when it is not zero: a file
        // written before ticktape counted something new stays valid while that thing is absent.
        for count in actual.counts
        where expected.expectations(of: count.name).isEmpty && count.value != 0 && !isMeasure(count.name) {
            lines.append("\(count.name): expected nothing, got \(count.value)")
        }
        return lines
    }
}

extension CheckReport {
    /// The differences between the expectations and this report's counts and measures
    /// (`--expect`): empty when they agree; otherwise one line per differing count or broken bound.
    public func differences(from expected: Expectations) -> [String] {
        expected.differences(from: Expectations(measuring: self))
    }
}
