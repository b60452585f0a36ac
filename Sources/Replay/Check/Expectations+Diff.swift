extension Expectations {
    /// Every difference between `self` (expected) and `actual`, one readable line each:
    /// `findings.duplicate: expected 12, got 13`, in the expected file's order, then non-zero
    /// counts only the actual run has. Lines of a multi-tape file start with the tape's name. Empty
    /// when they agree.
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

    private static func match(_ section: Section, in expectations: Expectations) -> Section? {
        if expectations.sections.count == 1, section.tape == nil || expectations.sections[0].tape == nil {
            return expectations.sections[0]
        }
        return expectations.sections.first { $0.tape == section.tape }
    }

    private static func differences(_ expected: Section, _ actual: Section) -> [String] {
        var lines: [String] = []
        for count in expected.counts {
            let got = actual[count.name]
            if got != count.value {
                lines.append("\(count.name): expected \(count.value), got \(got.map(String.init) ?? "nothing")")
            }
        }
        // A count the file does not name is a difference only when it is not zero: a file
        // written before ticktape counted something new stays valid while that thing is absent.
        for count in actual.counts where expected[count.name] == nil && count.value != 0 {
            lines.append("\(count.name): expected nothing, got \(count.value)")
        }
        return lines
    }
}

extension CheckReport {
    /// The differences between the expected counts and this report's (`--expect`):
    /// empty when they agree; otherwise one line per differing count.
    public func differences(from expected: Expectations) -> [String] {
        expected.differences(from: Expectations(self))
    }
}
