/// The recording invariants I1–I4 as the caller verified them: seq contiguous per epoch (or
/// explained by loss events), epochs 1..E, each epoch opens with its connect event, SQLite
/// integrity ok. The oracle cannot see the tape file; the caller (the CLI, through TapeLog's
/// verifier) supplies the problems, and any problem fails the check.
public struct IntegrityResults: Sendable, Hashable {
    /// The four invariants, in order.
    public static let classes: [ViolationClass] = [.i1, .i2, .i3, .i4]

    /// False when nothing was verified (inputs built in memory): I1–I4 are reported as not checked.
    public var checked: Bool
    private var byClass: [[String]] = [[], [], [], []]

    /// Why nothing was verified, when ``checked`` is false (for the report's note).
    public private(set) var notCheckedBecause = "the input was not read from a tape file"

    /// How the payloads were proven, as TapeLog's verifier reports it: `crc32` (inflated and
    /// compared with their checksums), `length` (inflated to their lengths: a format 1 tape has no
    /// checksums), `skipped` (`check --quick`), or `not_checked` when nothing was verified.
    public var payloads = "not_checked"
    /// What the verifier noted about its proof (format 1, a skipped proof), for the report's notes.
    public var notes: [String] = []

    /// Nothing verified.
    public init() { checked = false }

    /// Nothing verified, on purpose: `reason` says why (e.g. a benchmark timing the rest).
    public static func skipped(_ reason: String) -> IntegrityResults {
        var results = IntegrityResults()
        results.notCheckedBecause = reason
        return results
    }

    /// A verified recording with these problems, each a plain-language line starting with its
    /// invariant (`I1 seq hole in epoch 2: …`), as TapeLog's verifier writes them. A line with no
    /// I1–I3 prefix is counted under I4 (the tape as a whole). No problems: all four hold.
    public init(problems: [String], payloads: String = "not_checked", notes: [String] = []) {
        checked = true
        self.payloads = payloads
        self.notes = notes
        for problem in problems {
            let kind = Self.classes.first { problem.hasPrefix($0.rawValue + " ") || problem == $0.rawValue } ?? .i4
            add(kind, problem)
        }
    }

    /// Records one problem of `kind` (one of I1–I4) and marks the results as checked.
    public mutating func add(_ kind: ViolationClass, _ problem: String) {
        guard let i = Self.classes.firstIndex(of: kind) else { return }
        checked = true
        byClass[i].append(problem)
    }

    /// The problems of one invariant (empty for C-classes).
    public func problems(of kind: ViolationClass) -> [String] {
        Self.classes.firstIndex(of: kind).map { byClass[$0] } ?? []
    }

    /// Every problem, I1 first.
    public var all: [String] { byClass.flatMap { $0 } }
}
