import ArgumentParser
import Foundation
import TapeLog
import Upbit

/// `ticktape import`: a JSONL export back into a tape.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Build a tape from a JSONL export; exporting the result gives the same lines.",
        discussion: "Example: ticktape export a.tape > a.jsonl && ticktape import a.jsonl --out b.tape"
    )

    @Argument(help: "The JSONL file ('-' for standard input).") var jsonl: String
    @Option(help: "The tape to create (must not exist).") var out: String

    func run() throws {
        let data: Data
        do {
            data =
                jsonl == "-"
                ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: jsonl))
        } catch {
            throw CLIError.badInput("cannot read \(jsonl): \(error.localizedDescription)")
        }
        let lines = data.split(separator: 0x0A, omittingEmptySubsequences: false)
        var writer: TapeWriter?
        do {
            var frames = 0
            for (index, line) in lines.enumerated() {
                if line.isEmpty && index == lines.count - 1 { break }
                switch try JSONLCodec.decode(line, line: index + 1) {
                case .session(let session):
                    guard writer == nil else { throw JSONLError(line: index + 1, reason: "a second session line") }
                    writer = try TapeWriter(path: out, session: session, profile: UpbitProfile())
                case .entry(let entry):
                    guard let writer else {
                        throw JSONLError(line: index + 1, reason: "the first line must be the session")
                    }
                    frames += try Self.append(entry, to: writer, line: index + 1)
                }
            }
            guard let writer else { throw JSONLError(line: 1, reason: "empty input: no session line") }
            try writer.close()
            Console.out("imported \(frames) frames into \(out)")
            Console.flush()
        } catch {
            _ = try? writer?.close()
            if let tapeError = error as? TapeError, case .exists = tapeError { throw CLIError.tape(tapeError) }
            Self.discard(out, if: writer != nil)
            if let tapeError = error as? TapeError { throw CLIError.tape(tapeError) }
            throw CLIError.badInput("\(jsonl) \(error); nothing written")
        }
    }

    /// Appends one entry; the writer's order check becomes a line-numbered input error.
    private static func append(_ entry: TapeEntry, to writer: TapeWriter, line: Int) throws -> Int {
        do {
            switch entry {
            case .frame(let frame):
                try writer.append(frame.record)
                return 1
            case .event(let event):
                try writer.record(event)
                return 0
            }
        } catch {
            if case .outOfOrder(let what) = error { throw JSONLError(line: line, reason: "out of order: \(what)") }
            throw error
        }
    }

    /// A half-imported tape is removed: the input is still there to fix and import again.
    private static func discard(_ path: String, if created: Bool) {
        guard created else { return }
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }
}
