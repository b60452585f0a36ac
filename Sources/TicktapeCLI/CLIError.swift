import Bench
import Foundation
import TapeLog

/// Exit codes of every command (see <doc:ExitCodes>).
public enum CLIExit: Int32, Sendable {
    case ok = 0
    case checkFailed = 1
    case badInput = 2
    case runtime = 3
}

/// A failure the CLI reports as one line on stderr with its exit code.
public struct CLIError: Error, CustomStringConvertible {
    public var code: CLIExit
    public var message: String
    public var description: String { message }

    public init(_ code: CLIExit, _ message: String) {
        self.code = code
        self.message = message
    }

    /// Bad input or usage: exit 2.
    static func badInput(_ message: String) -> CLIError { CLIError(.badInput, message) }
    /// Maps a tape error to bad input (exit 2) or a runtime failure (exit 3).
    static func tape(_ error: TapeError) -> CLIError {
        CLIError(error.isBadInput ? .badInput : .runtime, error.description)
    }
}

/// Runs `body`, turning any error into a ``CLIError`` with the right exit code.
func cli<T>(_ body: () throws -> T) throws(CLIError) -> T {
    do {
        return try body()
    } catch let error as CLIError {
        throw error
    } catch let error as TapeError {
        throw CLIError.tape(error)
    } catch {
        throw CLIError(.runtime, "\(error)")
    }
}

/// Runs a benchmark of the Bench target: a ``TapeError`` maps as everywhere (bad tape exit 2,
/// I/O exit 3), a ``BenchError`` is a runtime failure (exit 3), anything else is left as it is.
func benchmark<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as TapeError {
        throw CLIError.tape(error)
    } catch let error as BenchError {
        throw CLIError(.runtime, error.description)
    }
}
