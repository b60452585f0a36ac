/// Why an expectation file could not be read.
public enum ExpectationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A line that is not `NAME = COUNT`, a `[tape]` header, a comment or blank.
    case badLine(line: Int, text: String)
    /// The same name twice in one section.
    case duplicateName(line: Int, name: String)
    /// The same `[tape]` header twice.
    case duplicateSection(line: Int, tape: String)
    /// Counts before the first header in a file that has headers.
    case countsOutsideSection(line: Int)

    public var description: String {
        switch self {
        case .badLine(let line, let text): "expectations line \(line): expected 'NAME = COUNT', got '\(text)'"
        case .duplicateName(let line, let name): "expectations line \(line): '\(name)' is given twice"
        case .duplicateSection(let line, let tape): "expectations line \(line): section '[\(tape)]' is given twice"
        case .countsOutsideSection(let line):
            "expectations line \(line): counts before the first '[tape]' header in a file with headers"
        }
    }
}

extension Expectations {
    /// Reads the text form (see ``Expectations``). `#` starts a comment line; blank lines are
    /// ignored; counts are integers (a leading `-` is allowed).
    public init(parsing text: String) throws(ExpectationError) {
        var sections: [Section] = []
        var current = Section(tape: nil, counts: [])
        var names: Set<String> = []
        var headed = false
        // Split on scalars: "\r\n" is one Character, so a Character split would miss it.
        for (i, raw) in text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = i + 1
            let line = Self.trimmed(String(String.UnicodeScalarView(raw)))
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("["), line.hasSuffix("]"), line.count > 2 {
                let tape = String(line.dropFirst().dropLast())
                if headed || !current.counts.isEmpty {
                    if !headed { throw .countsOutsideSection(line: number) }
                    sections.append(current)
                }
                if sections.contains(where: { $0.tape == tape }) { throw .duplicateSection(line: number, tape: tape) }
                headed = true
                current = Section(tape: tape, counts: [])
                names = []
                continue
            }
            guard let equals = line.lastIndex(of: "=") else { throw .badLine(line: number, text: line) }
            let name = Self.trimmed(line[..<equals])
            let valueText = Self.trimmed(line[line.index(after: equals)...])
            guard !name.isEmpty, !name.contains(" "), let value = Int(valueText) else {
                throw .badLine(line: number, text: line)
            }
            guard names.insert(name).inserted else { throw .duplicateName(line: number, name: name) }
            current.counts.append(Count(name: name, value: value))
        }
        if headed || !current.counts.isEmpty { sections.append(current) }
        self.init(sections: sections)
    }

    private static func trimmed<S: StringProtocol>(_ text: S) -> String {
        var scalars = Substring(text).unicodeScalars[...]
        while let first = scalars.first, first == " " || first == "\t" || first == "\r" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" || last == "\r" { scalars.removeLast() }
        return String(String.UnicodeScalarView(scalars))
    }
}
