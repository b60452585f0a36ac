import Rules

/// Expected counts of a check, for `ticktape check --expect FILE` and `--update-expect`: the
/// findings, rule counts and consumer metrics of a run; any difference fails the check with a
/// readable diff (see <doc:Checks>).
///
/// The file is plain text, one count per line, in a fixed order, so it diffs well in review and
/// is byte-identical when written twice:
///
///     # ticktape check expectations, format 1
///     violations.C1 = 0
///     findings.duplicate = 12
///     rules.accepted = 4031
///     consumer.gui.delivered = 3990
///
/// With several tapes, each tape's counts follow a `[name]` header (the tape's file name, or
/// its full name when two tapes share a file name). A file without headers holds one tape.
public struct Expectations: Sendable, Hashable {
    /// One expected count.
    public struct Count: Sendable, Hashable {
        public var name: String
        public var value: Int

        public init(name: String, value: Int) {
            self.name = name
            self.value = value
        }
    }

    /// The counts of one tape; `tape` is nil in a single-tape file without a header.
    public struct Section: Sendable, Hashable {
        public var tape: String?
        public var counts: [Count]

        public init(tape: String?, counts: [Count]) {
            self.tape = tape
            self.counts = counts
        }

        /// The value of `name`, if expected.
        public subscript(name: String) -> Int? { counts.first { $0.name == name }?.value }
    }

    public var sections: [Section]

    public init(sections: [Section]) { self.sections = sections }

    /// The actual counts of a report: what `--update-expect` writes.
    public init(_ report: CheckReport) {
        let names = report.sectionNames
        sections = zip(report.tapes, names).map { tape, name in
            Section(tape: report.tapes.count == 1 ? nil : name, counts: tape.expectedCounts)
        }
    }

    /// The file's text: a header comment, then each section's counts, a trailing newline.
    public func rendered() -> String {
        var lines = [
            "# ticktape check expectations, format 1",
            "# one count per line; `ticktape check --update-expect` rewrites this file",
        ]
        for section in sections {
            if let tape = section.tape {
                lines.append("")
                lines.append("[\(tape)]")
            }
            for count in section.counts { lines.append("\(count.name) = \(count.value)") }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension CheckReport {
    /// Each tape's section name: its file name, or the full name when file names collide.
    var sectionNames: [String] {
        let bases = tapes.map { Self.fileName($0.tape) }
        return tapes.enumerated().map { i, tape in
            bases.filter { $0 == bases[i] }.count == 1 ? bases[i] : tape.tape
        }
    }

    static func fileName(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: true).last.map(String.init) ?? path
    }
}

extension TapeCheckResult {
    /// Violations and findings by class, the rule counts, and per consumer delivered, dropped
    /// and coalesced: the counts an expectation file fixes.
    var expectedCounts: [Expectations.Count] {
        var counts: [Expectations.Count] = []
        func add(_ name: String, _ value: Int) { counts.append(Expectations.Count(name: name, value: value)) }
        for tally in violations { add("violations.\(tally.kind.rawValue)", tally.count) }
        for tally in findings { add("findings.\(tally.kind.rawValue)", tally.count) }
        if let replay {
            add("rules.inputs", replay.rules.inputs)
            add("rules.accepted", replay.rules.accepted)
            add("rules.discarded", replay.rules.discarded)
            add("rules.reordered", replay.rules.reordered)
            add("rules.epoch_switches", replay.rules.epochSwitches)
            for m in replay.consumers {
                add("consumer.\(m.name).delivered", m.delivered)
                add("consumer.\(m.name).dropped", m.dropped)
                add("consumer.\(m.name).coalesced", m.coalesced)
            }
        }
        return counts
    }
}
