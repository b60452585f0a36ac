import Rules

/// Expected counts and bounds of a check, for `ticktape check --expect FILE` and
/// `--update-expect`: the findings, rule counts and consumer metrics of a run, and optionally the
/// consumers and speed the run uses; any difference fails the check with a readable diff (see
/// <doc:Checks>).
///
/// The file is plain text, one expectation per line, in a fixed order, so it diffs well in review
/// and is byte-identical when written twice:
///
///     # ticktape check expectations, format 1
///     consumer: name=gui,types=ticker|orderbook,capacity=64,policy=coalesce,service=200ms
///     speed: 1
///     violations.C1 = 0
///     findings.duplicate >= 1
///     rules.accepted = 4031
///     consumer.gui.lag_p99_ms <= 200
///
/// `=` fixes an exact count, `<=` and `>=` bound it. With several tapes, each tape's lines follow
/// a `[name]` header (the tape's file name, or its full name when two tapes share a file name);
/// `consumer:` and `speed:` lines come before any count and apply to every tape. A file without
/// headers holds one tape.
public struct Expectations: Sendable, Hashable {
    /// How an expectation compares the actual value with its own.
    public enum Comparison: String, Sendable, Hashable, CaseIterable {
        /// Exactly this value; `--update-expect` rewrites it.
        case equal = "="
        /// At most this value (an upper bound); kept by `--update-expect`.
        case atMost = "<="
        /// At least this value (a lower bound); kept by `--update-expect`.
        case atLeast = ">="
    }

    /// One expected count or bound.
    public struct Count: Sendable, Hashable {
        public var name: String
        public var value: Int
        public var comparison: Comparison
        /// `#` lines written just above it (say why a bound is what it is); kept by
        /// `--update-expect`.
        public var comments: [String]

        public init(name: String, value: Int, comparison: Comparison = .equal, comments: [String] = []) {
            self.name = name
            self.value = value
            self.comparison = comparison
            self.comments = comments
        }

        /// Whether `actual` meets this expectation.
        public func holds(_ actual: Int) -> Bool {
            switch comparison {
            case .equal: actual == value
            case .atMost: actual <= value
            case .atLeast: actual >= value
            }
        }

        /// The line as the file spells it: `name = 3`, `name <= 200`.
        public var line: String { "\(name) \(comparison.rawValue) \(value)" }
    }

    /// The expectations of one tape; `tape` is nil in a single-tape file without a header.
    public struct Section: Sendable, Hashable {
        public var tape: String?
        public var counts: [Count]

        public init(tape: String?, counts: [Count]) {
            self.tape = tape
            self.counts = counts
        }

        /// The exact value of `name`, if the section fixes one (bounds are not values).
        public subscript(name: String) -> Int? {
            counts.first { $0.name == name && $0.comparison == .equal }?.value
        }

        /// Every line of `name`: one exact count, or up to one bound each way.
        public func expectations(of name: String) -> [Count] { counts.filter { $0.name == name } }
    }

    /// Consumer specs of the run (`consumer:` lines, as written): `check --expect FILE` uses them
    /// when no `--consumer` is given, so a fixture is one tape plus one file.
    public var consumers: [String]
    /// The replay speed of the run (`speed:` line, as written), or nil for the command's default.
    public var speed: String?
    public var sections: [Section]
    /// `#` lines of the file's head (after the standard two, before any run option or count);
    /// kept by `--update-expect`.
    public var comments: [String]

    public init(sections: [Section], consumers: [String] = [], speed: String? = nil, comments: [String] = []) {
        self.sections = sections
        self.consumers = consumers
        self.speed = speed
        self.comments = comments
    }

    /// The actual counts of a report: what `--update-expect` writes for a new file. Measures
    /// (lag, depth, drop rate, epochs) are left out; name them in the file to bound them.
    public init(_ report: CheckReport) {
        let names = report.sectionNames
        sections = zip(report.tapes, names).map { tape, name in
            Section(tape: report.tapes.count == 1 ? nil : name, counts: tape.expectedCounts)
        }
        consumers = []
        speed = nil
        comments = []
    }

    /// The actual counts of a report followed by its measures (see ``isMeasure(_:)``): what an
    /// expectation file is compared with.
    public init(measuring report: CheckReport) {
        let names = report.sectionNames
        sections = zip(report.tapes, names).map { tape, name in
            Section(tape: report.tapes.count == 1 ? nil : name, counts: tape.expectedCounts + tape.measures)
        }
        consumers = []
        speed = nil
        comments = []
    }

    /// Whether `name` is a measure rather than a count: a figure a file may bound or fix but that
    /// `--update-expect` never adds on its own and that is not a difference when a file leaves it
    /// out — `consumer.<name>.lag_p50_ms`, `.lag_p99_ms`, `.lag_max_ms`, `.max_depth`,
    /// `.drops_per_min`, and `session.epochs`.
    public static func isMeasure(_ name: String) -> Bool {
        if name == "session.epochs" { return true }
        guard name.hasPrefix("consumer.") else { return false }
        return measureSuffixes.contains { name.hasSuffix(".\($0)") }
    }

    /// The two comment lines every written file starts with (not kept as ``comments``).
    static let standardHead = [
        "# ticktape check expectations, format 1",
        "# one count per line; `ticktape check --update-expect` rewrites this file",
    ]

    static let measureSuffixes = ["lag_p50_ms", "lag_p99_ms", "lag_max_ms", "max_depth", "drops_per_min"]

    /// The file's text: a header comment, the run's consumers and speed, then each section's
    /// lines, a trailing newline.
    public func rendered() -> String {
        var lines = Self.standardHead + comments
        lines += consumers.map { "consumer: \($0)" }
        if let speed { lines.append("speed: \(speed)") }
        for section in sections {
            if let tape = section.tape {
                lines.append("")
                lines.append("[\(tape)]")
            }
            for count in section.counts { lines += count.comments + [count.line] }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// This file brought up to date with `actual` (``init(measuring:)``), as `--update-expect`
    /// writes it: exact counts take the actual values, bounds stay as they are, counts the run
    /// now has are added, exact counts the run no longer has are removed; consumers and speed are
    /// kept.
    public func updated(with actual: Expectations) -> Expectations {
        var result = Expectations(sections: [], consumers: consumers, speed: speed, comments: comments)
        for section in actual.sections {
            let old = Self.match(section, in: self)
            var counts: [Count] = []
            var placed: Set<String> = []
            for count in section.counts where !Self.isMeasure(count.name) {
                let written = old?.expectations(of: count.name) ?? []
                let bounds = written.filter { $0.comparison != .equal }
                var exact = count
                exact.comments = written.first?.comments ?? []
                counts += bounds.isEmpty ? [exact] : bounds
                placed.insert(count.name)
            }
            for count in old?.counts ?? [] where !placed.contains(count.name) {
                if count.comparison != .equal {
                    counts.append(count)
                } else if let value = section[count.name] {
                    counts.append(Count(name: count.name, value: value, comments: count.comments))
                }
            }
            result.sections.append(Section(tape: section.tape, counts: counts))
        }
        return result
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

    /// The measures a file may bound: per consumer lag percentiles in whole milliseconds (rounded
    /// up, so `<= 200` means at most 200 ms), the deepest queue, the most drops in any minute; and
    /// the number of epochs (connections) of the tape.
    var measures: [Expectations.Count] {
        guard let replay else { return [] }
        var counts = [Expectations.Count(name: "session.epochs", value: Int(replay.totals.epochs))]
        func add(_ name: String, _ value: Int) { counts.append(Expectations.Count(name: name, value: value)) }
        func milliseconds(_ ns: Int64) -> Int { Int((ns + 999_999) / 1_000_000) }
        for m in replay.consumers {
            add("consumer.\(m.name).lag_p50_ms", milliseconds(m.lagP50Ns))
            add("consumer.\(m.name).lag_p99_ms", milliseconds(m.lagP99Ns))
            add("consumer.\(m.name).lag_max_ms", milliseconds(m.lagMaxNs))
            add("consumer.\(m.name).max_depth", m.maxQueueDepth)
            add("consumer.\(m.name).drops_per_min", m.maxDropsPerMinute)
        }
        return counts
    }
}
