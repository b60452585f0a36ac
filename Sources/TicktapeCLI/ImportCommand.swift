import ArgumentParser
import Foundation
import TapeLog

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
                let decoded = try JSONLCodec.decode(line, line: index + 1)
                switch decoded {
                case .session(let session):
                    guard writer == nil else { throw JSONLError(line: index + 1, reason: "a second session line") }
                    writer = try TapeWriter(path: out, session: session)
                case .entry(let entry):
                    guard let writer else {
                        throw JSONLError(line: index + 1, reason: "the first line must be the session")
                    }
                    do {
                        switch entry {
                        case .frame(let frame):
                            try writer.append(frame.record)
                            frames += 1
                        case .event(let event): try writer.record(event)
                        }
                    } catch .outOfOrder(let what) {
                        throw JSONLError(line: index + 1, reason: "out of order: \(what)")
                    }
                }
            }
            guard let writer else { throw JSONLError(line: 1, reason: "empty input: no session line") }
            try writer.close()
            Console.out("imported \(frames) frames into \(out)")
            Console.flush()
        } catch let error as JSONLError {
            try? writer?.close()
            Self.discard(out, if: writer != nil)
            throw CLIError.badInput("\(jsonl) \(error.description); nothing written")
        } catch let error as TapeError {
            try? writer?.close()
            if case .exists = error { throw CLIError.tape(error) }
            Self.discard(out, if: writer != nil)
            throw CLIError.tape(error)
        }
    }

    /// A half-imported tape is removed: the input is still there to fix and import again.
    private static func discard(_ path: String, if created: Bool) {
        guard created else { return }
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }
}
