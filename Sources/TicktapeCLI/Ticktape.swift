import ArgumentParser
import Foundation

/// The `ticktape` root command: a namespace for the subcommands.
public struct Ticktape: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "ticktape",
        abstract: "Record exchange WebSocket sessions to an append-only SQLite tape and replay them deterministically.",
        discussion: """
            Start with `ticktape demo`: a simulated exchange on loopback, chaos, a recording, a check and a report.
            """,
        version: ticktapeVersion,
        subcommands: [
            InspectCommand.self, VerifyCommand.self, ExportCommand.self, ImportCommand.self, ReindexCommand.self,
            ReplayCommand.self, CheckCommand.self, ChaosCommand.self, SimulateCommand.self, RecordCommand.self,
            RelayCommand.self,
            ServeCommand.self, MergeCommand.self, PullCommand.self, PublishCommand.self, DemoCommand.self,
            BenchCommand.self, CrashWriterCommand.self,
            SynthCommand.self,
        ]
    )

    public init() {}

    /// Parses `arguments` (without the program name), runs the command and returns the process
    /// exit code (<doc:ExitCodes>): 0 ok, 1 check failed, 2 bad input or usage, 3 runtime failure.
    /// Errors are one line on stderr; help and version go to stdout.
    public static func run(arguments: [String]) async -> Int32 {
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            Console.flush()
            return 0
        } catch let error as CLIError {
            // One line, whatever the message quotes (a reason may carry text read from a damaged file).
            Console.error(error.message.split(whereSeparator: \.isNewline).joined(separator: " "))
            return error.code.rawValue
        } catch let error as ExitCode {
            Console.flush()
            return error.rawValue
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                Console.out(fullMessage(for: error))
                Console.flush()
                return 0
            }
            let message = message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            Console.error("\(message.replacingOccurrences(of: "Error: ", with: "")) (see 'ticktape --help')")
            return CLIExit.badInput.rawValue
        }
    }
}

/// The tool version stored in every tape's session row.
public let ticktapeVersion = "0.1.0"
