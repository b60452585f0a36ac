import ArgumentParser
import Foundation
import TapeLog
import Upbit

/// `ticktape import`: a JSONL export, or a capture from another tool, into a tape.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Build a tape from a JSONL export or a foreign capture (tardis-machine, raw JSONL).",
        discussion: """
            ticktape's own export: exporting the result gives the same lines. Its session line is \
            optional (without one, the session starts at the first entry's receive time); in it only \
            started_ns is required: tool_version and url default to "unknown", sync to normal, \
            commit_ms to 50; a frame's fragments defaults to 1.

            tardis-machine replay output (one {"localTimestamp": ISO-8601, "message": {…}} per line) and \
            raw JSONL (one exchange message per line) become inbound binary frames with their bytes \
            exactly as in the file; a line whose message is null or missing marks a disconnect, and \
            the next message opens a new epoch. Raw lines take their receive time from --time-field \
            (ISO-8601, or a number in s, ms, us or ns told by magnitude; the member is cut out of the \
            stored message), else from the message's own event time. The session's URL says where \
            the capture came from (inspect shows it). For raw JSONL whose lines carry their receive \
            time in a member recv_ts: ticktape import messages.jsonl --time-field recv_ts --out d.tape

            Example: ticktape export a.tape > a.jsonl && ticktape import a.jsonl --out b.tape
            Example: ticktape import Fixtures/upbit-real-messages.ndjson --from tardis --out real.tape
            """
    )

    @Argument(help: "The JSONL file ('-' for standard input).") var jsonl: String
    @Option(help: "The tape to create (must not exist).") var out: String
    @Option(help: "The capture's shape; auto tells by the first line.") var from: ImportSource = .auto
    @Option(help: "Raw JSONL: the top-level member holding each line's receive time.") var timeField: String?

    func validate() throws {
        if timeField != nil, from != .raw, from != .auto {
            throw ValidationError("--time-field applies to raw JSONL only (--from raw)")
        }
    }

    func run() throws {
        let data: Data
        do {
            data =
                jsonl == "-"
                ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: jsonl))
        } catch {
            throw CLIError.badInput("cannot read \(jsonl): \(error.localizedDescription)")
        }
        var lines = data.split(separator: 0x0A, omittingEmptySubsequences: false).map { line in
            line.last == 0x0D ? line.dropLast() : line
        }
        if lines.last?.isEmpty == true { lines.removeLast() }
        guard lines.contains(where: { !$0.isEmpty }) else {
            throw CLIError.badInput("\(jsonl) is empty: nothing to import; nothing written")
        }
        var source = from
        if source == .auto {
            let first = lines.first { !$0.isEmpty }.map { Array($0) } ?? []
            switch CaptureFormat.detect(firstLine: first) {
            case .ticktape: source = timeField == nil ? .ticktape : .raw
            case .tardis: source = .tardis
            case .raw: source = .raw
            }
        }
        if source == .ticktape {
            try importExport(lines)
        } else {
            try importCapture(lines, tardis: source == .tardis)
        }
    }

    /// ticktape's own export.
    private func importExport(_ lines: [Data.SubSequence]) throws {
        var writer: TapeWriter?
        do {
            var frames = 0
            for (index, line) in lines.enumerated() {
                switch try JSONLCodec.decode(line, line: index + 1) {
                case .session(let session):
                    guard writer == nil else {
                        throw JSONLError(line: index + 1, reason: "a session line after the session began")
                    }
                    writer = try TapeWriter(path: out, session: session, profile: UpbitProfile())
                case .entry(let entry):
                    if writer == nil {
                        writer = try TapeWriter(
                            path: out,
                            session: Self.session(startingAt: entry),
                            profile: UpbitProfile()
                        )
                    }
                    guard let writer else { continue }
                    frames += try Self.append(entry, to: writer, line: index + 1)
                }
            }
            guard let writer else { throw JSONLError(line: 1, reason: "empty input: no session and no entries") }
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

    /// The session of an export without a session line: it starts at the first entry.
    private static func session(startingAt entry: TapeEntry) -> SessionInfo {
        let (wall, mono) =
            switch entry {
            case .frame(let frame): (frame.record.recvNs, frame.record.monoNs)
            case .event(let event): (event.wallNs, event.monoNs)
            }
        return SessionInfo(toolVersion: "unknown", url: "unknown", startedNs: wall &- mono)
    }

    /// A tardis-machine or raw capture.
    private func importCapture(_ lines: [Data.SubSequence], tardis: Bool) throws {
        var captured: [(line: Int, content: CapturedLine)] = []
        do {
            for (index, line) in lines.enumerated() where !line.isEmpty {
                let bytes = Array(line)
                let content =
                    tardis
                    ? try ForeignCapture.tardisLine(bytes, line: index + 1)
                    : try ForeignCapture.rawLine(bytes, line: index + 1, timeField: timeField)
                captured.append((index + 1, content))
            }
        } catch {
            throw CLIError.badInput("\(jsonl) \(error); nothing written")
        }
        let profile = UpbitProfile()
        let startedNs = CaptureImporter.startedNs(of: captured.map(\.content), profile: profile)
        let name = jsonl == "-" ? "stdin" : URL(fileURLWithPath: jsonl).lastPathComponent
        let importer: CaptureImporter
        do {
            importer = try CaptureImporter(
                path: out,
                source: "import:\(tardis ? "tardis-machine" : "raw-jsonl"):\(name)",
                startedNs: startedNs,
                toolVersion: ticktapeVersion,
                profile: profile
            )
        } catch {
            throw CLIError.tape(error)
        }
        do {
            for entry in captured { try importer.add(entry.content) }
            try importer.finish()
        } catch {
            importer.abandon()
            Self.discard(out, if: true)
            throw CLIError.tape(error)
        }
        Console.out(
            "imported \(importer.frames) frames in \(importer.connections) connection"
                + "\(importer.connections == 1 ? "" : "s") into \(out)"
        )
        Console.flush()
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
