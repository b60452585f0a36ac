import Foundation
import TapeLog

/// A benchmark that could not run, saying what failed. The CLI reports it as a runtime failure
/// (exit 3); a ``TapeError`` is thrown as it is instead, so that the CLI can still tell a bad
/// tape (exit 2) from an I/O failure.
public struct BenchError: Error, CustomStringConvertible, Sendable {
    /// What failed, in one line.
    public var description: String

    /// A failure described by `description`.
    public init(_ description: String) { self.description = description }

    /// Runs `body`, passing ``TapeError`` and ``BenchError`` through and turning any other error
    /// into a ``BenchError`` with its description.
    static func wrapping<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as TapeError {
            throw error
        } catch let error as BenchError {
            throw error
        } catch {
            throw BenchError("\(error)")
        }
    }

    /// A fresh directory `name-PID` in the system's temporary directory, for one run's files.
    static func scratchDirectory(_ name: String) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(getpid())").path
        try wrapping { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        return directory
    }
}
