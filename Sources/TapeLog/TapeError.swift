/// Why a tape could not be opened, written or read. Descriptions are one line, stable and
/// greppable; the CLI maps ``isBadInput`` to exit 2 (bad input) and everything else to exit 3
/// (runtime failure).
public enum TapeError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The path does not exist.
    case missing(path: String)
    /// The path is a directory.
    case isDirectory(path: String)
    /// The file is not an SQLite database, or is truncated or corrupt beyond opening.
    case notSQLite(path: String, reason: String)
    /// An SQLite database that is not a ticktape tape (wrong application_id or missing tables).
    case foreign(path: String)
    /// A tape written by a newer ticktape.
    case newerVersion(path: String, found: Int64, supported: Int64)
    /// The output path exists already; tapes are never overwritten.
    case exists(path: String)
    /// The tape's contents contradict its own invariants (e.g. a frame's block is missing).
    case corrupt(path: String, reason: String)
    /// The writer was asked to record something out of order (a programming error in the caller).
    case outOfOrder(String)
    /// SQLite or the file system failed at run time.
    case io(path: String, reason: String)
    /// The writer was closed or has failed before.
    case writerClosed(reason: String)

    public var description: String {
        switch self {
        case .missing(let path): "no such file: \(path)"
        case .isDirectory(let path): "\(path) is a directory, not a tape"
        case .notSQLite(let path, let reason): "\(path) is not a ticktape tape (not SQLite: \(reason))"
        case .foreign(let path): "\(path) is an SQLite file but not a ticktape tape (application_id differs)"
        case .newerVersion(let path, let found, let supported):
            "\(path) has tape format \(found); this ticktape reads format \(supported) and older"
        case .exists(let path): "\(path) exists already; choose another --out"
        case .corrupt(let path, let reason): "\(path) is damaged: \(reason)"
        case .outOfOrder(let what): "out of order: \(what)"
        case .io(let path, let reason): "\(path): \(reason)"
        case .writerClosed(let reason): "tape writer stopped: \(reason)"
        }
    }

    /// Errors caused by what the user gave us (exit 2) rather than by the run (exit 3).
    public var isBadInput: Bool {
        switch self {
        case .missing, .isDirectory, .notSQLite, .foreign, .newerVersion, .exists, .corrupt: true
        case .outOfOrder, .io, .writerClosed: false
        }
    }
}
