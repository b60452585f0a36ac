import Rules

/// Why an expectation file could not be read.
public enum ExpectationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A line that is not `NAME = COUNT` (or `<=`, `>=`), a `consumer:` or `speed:` line, a
    /// `[tape]` header, a comment or blank.
    case badLine(line: Int, text: String)
    /// The same name twice in one section (other than one `<=` and one `>=` bound).
    case duplicateName(line: Int, name: String)
    /// The same `[tape]` header twice.
    case duplicateSection(line: Int, tape: String)
    /// Counts before the first header in a file that has headers.
    case countsOutsideSection(line: Int)
    /// A `consumer:` line whose spec does not parse.
    case badConsumer(line: Int, reason: String)
    /// A `speed:` line that is not a positive number or `max`, or a second one.
    case badSpeed(line: Int, text: String)
    /// A `consumer:` or `speed:` line after the first count or header.
    case runOptionsAfterCounts(line: Int)

    public var description: String {
        switch self {
        case .badLine(let line, let text):
            "expectations line \(line): expected 'NAME = COUNT' (or <=, >=), got '\(text)'"
        case .duplicateName(let line, let name): "expectations line \(line): '\(name)' is given twice"
        case .duplicateSection(let line, let tape): "expectations line \(line): section '[\(tape)]' is given twice"
        case .countsOutsideSection(let line):
            "expectations line \(line): counts before the first '[tape]' header in a file with headers"
        case .badConsumer(let line, let reason): "expectations line \(line): \(reason)"
        case .badSpeed(let line, let text):
            "expectations line \(line): speed '\(text)' must be a positive number or max, given once"
        case .runOptionsAfterCounts(let line):
            "expectations line \(line): consumer: and speed: lines come before the first count"
        }
    }
}

extension Expectations {
    /// Reads the text form (see ``Expectations``). `#` starts a comment line; blank lines are
    /// ignored; values are integers (a leading `-` is allowed).
    public init(parsing text: String) throws(ExpectationError) {
        var sections: [Section] = []
        var current = Section(tape: nil, counts: [])
        var consumers: [String] = []
        var speed: String?
        var headed = false
        var head: [String] = []
        var pending: [String] = []
        var started = false
        // Split on scalars: "\r\n" is one Character, so a Character split would miss it.
        for (i, raw) in text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = i + 1
            let line = Self.trimmed(String(String.UnicodeScalarView(raw)))
            if line.isEmpty { continue }
            if line.hasPrefix("#") {
                // Comments of the head (kept for the file), or of the expectation below them.
                if started {
                    pending.append(line)
                } else if !Self.standardHead.contains(line) {
                    head.append(line)
                }
                continue
            }
            started = true
            if let option = Self.runOption(line) {
                if headed || !current.counts.isEmpty { throw .runOptionsAfterCounts(line: number) }
                if option.key == "consumer" {
                    do { _ = try ConsumerSpec.parse(option.value) } catch {
                        throw .badConsumer(line: number, reason: error.description)
                    }
                    consumers.append(option.value)
                } else {
                    guard speed == nil, ReplaySpeed(option.value) != nil else {
                        throw .badSpeed(line: number, text: option.value)
                    }
                    speed = option.value
                }
                continue
            }
            if line.hasPrefix("["), line.hasSuffix("]"), line.count > 2 {
                let tape = String(line.dropFirst().dropLast())
                if headed || !current.counts.isEmpty {
                    if !headed { throw .countsOutsideSection(line: number) }
                    sections.append(current)
                }
                if sections.contains(where: { $0.tape == tape }) { throw .duplicateSection(line: number, tape: tape) }
                headed = true
                current = Section(tape: tape, counts: [])
                pending = []
                continue
            }
            guard var count = Self.count(line) else { throw .badLine(line: number, text: line) }
            count.comments = pending
            pending = []
            let same = current.expectations(of: count.name)
            // One exact count, or at most one bound each way.
            if same.contains(where: { $0.comparison == count.comparison || $0.comparison == .equal })
                || (!same.isEmpty && count.comparison == .equal)
            {
                throw .duplicateName(line: number, name: count.name)
            }
            current.counts.append(count)
        }
        if headed || !current.counts.isEmpty { sections.append(current) }
        self.init(sections: sections, consumers: consumers, speed: speed, comments: head)
    }

    /// `consumer: SPEC` or `speed: S`, split; nil for any other line.
    private static func runOption(_ line: String) -> (key: String, value: String)? {
        for key in ["consumer", "speed"] where line.hasPrefix(key + ":") {
            return (key, trimmed(line.dropFirst(key.count + 1)))
        }
        return nil
    }

    /// `NAME = N`, `NAME <= N` or `NAME >= N`.
    private static func count(_ line: String) -> Count? {
        guard let equals = line.firstIndex(of: "=") else { return nil }
        var nameEnd = equals
        var comparison = Comparison.equal
        if equals > line.startIndex {
            let before = line[line.index(before: equals)]
            if before == "<" || before == ">" {
                nameEnd = line.index(before: equals)
                comparison = before == "<" ? .atMost : .atLeast
            }
        }
        let name = trimmed(line[..<nameEnd])
        let valueText = trimmed(line[line.index(after: equals)...])
        guard !name.isEmpty, !name.contains(" "), !name.contains("<"), !name.contains(">"),
            let value = Int(valueText)
        else { return nil }
        return Count(name: name, value: value, comparison: comparison)
    }

    private static func trimmed<S: StringProtocol>(_ text: S) -> String {
        var scalars = Substring(text).unicodeScalars[...]
        while let first = scalars.first, first == " " || first == "\t" || first == "\r" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" || last == "\r" { scalars.removeLast() }
        return String(String.UnicodeScalarView(scalars))
    }
}
