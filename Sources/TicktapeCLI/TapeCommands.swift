import ArgumentParser
import Foundation
import TapeLog
import Upbit
import Wire

/// `ticktape inspect`: what a tape holds.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract:
            "Show a tape's session, epochs, time range, message types and codes, bytes raw vs stored, and a merged tape's coverage.",
        discussion: "Example: ticktape inspect Fixtures/reconnect-storm.tape --json"
    )

    @Argument(help: "The tape file.") var tape: String
    @Flag(help: "Print JSON instead of text.") var json = false

    func run() throws {
        let (report, merge) = try cli {
            let reader = try TapeReader(path: tape)
            return (try TapeInspector.inspect(reader), try TapeMerger.report(of: reader))
        }
        if json {
            Console.out(try cli { try JSONOutput.encode(InspectOutput(report: report, merge: merge)) })
        } else {
            printText(report)
            if let merge { MergeText.print(merge) }
        }
        Console.flush()
    }

    private func printText(_ r: InspectReport) {
        Console.out("tape      \(r.path)")
        Console.out(
            "session   \(WebSocketURL.redacting(r.url)) (ticktape \(r.toolVersion), sync \(r.sync), commit \(r.commitMs) ms)"
        )
        if let subscription = r.subscription { Console.out("subscribe \(subscription)") }
        if let chaos = r.chaos { Console.out("chaos     \(chaos)") }
        if let first = r.firstRecvNs, let last = r.lastRecvNs {
            // Times are in range (the reader checked) but may lie far apart: never trap on the span.
            let (span, overflow) = last.subtractingReportingOverflow(first)
            let duration = overflow ? "span out of range" : Format.seconds(span)
            Console.out("time      \(Format.utc(first)) … \(Format.utc(last)) (\(duration))")
        }
        Console.out(
            "frames    \(r.frames) in \(r.epochs.count) epochs, \(r.events) lifecycle events\(r.sessionEnded ? "" : " (no session_end: torn tail)")"
        )
        let ratio = r.rawBytes > 0 ? Double(r.storedBytes) / Double(r.rawBytes) * 100 : 0
        Console.out("bytes     \(r.rawBytes) raw, \(r.storedBytes) stored (\(Format.fixed(ratio, 1)) %)")
        Console.out("epochs")
        for e in r.epochs {
            let close = e.closeCode.map { " close \($0)" } ?? ""
            // Wall times are kept as recorded, any 64-bit value: their difference may not fit in one.
            let span =
                e.startNs.map { start in
                    e.endNs.map { end in
                        let (ns, overflow) = end.subtractingReportingOverflow(start)
                        return overflow ? " span out of range" : " \(Format.seconds(ns))"
                    } ?? ""
                } ?? ""
            Console.out("  \(e.epoch): \(e.framesIn) in, \(e.framesOut) out\(span)\(close)")
        }
        Console.out("streams")
        for s in r.streams { Console.out("  \(s.type) \(s.code ?? "-"): \(s.count)") }
    }
}

/// `inspect --json`: the tape's report, and a merged tape's merge report under `merge`.
private struct InspectOutput: Encodable {
    var report: InspectReport
    var merge: MergeReport?

    func encode(to encoder: any Encoder) throws {
        try report.encode(to: encoder)
        if let merge {
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(merge, forKey: Key(stringValue: "merge"))
        }
    }

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

/// `ticktape verify`: crash consistency.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract:
            "Check a tape's recording integrity and payloads: SQLite integrity, epochs, seq holes, checksums, torn tail.",
        discussion: """
            Every payload block is inflated and compared with its CRC-32 (format 2; a format 1 tape is checked \
            by length only), and every frame must lie inside its block.
            Exit 0 when consistent (a torn tail after a crash is a warning), 1 when an invariant is broken \
            (problems), 2 when the file is not a tape or is damaged (a row out of range, a payload that fails \
            its proof): one line on stderr says what and where.
            Example: ticktape verify session.tape --json
            """
    )

    @Argument(help: "The tape file.") var tape: String
    @Flag(help: "Print JSON instead of text.") var json = false

    func run() throws {
        let report = try cli { try TapeVerifier.verify(TapeReader(path: tape)) }
        if json {
            Console.out(try cli { try JSONOutput.encode(report) })
        } else {
            Console.out(
                "\(report.consistent ? "consistent" : "INCONSISTENT"): \(report.frames) frames, \(report.epochs) epochs, \(report.framesLost) declared lost, sync \(report.sync)"
            )
            for p in report.problems { Console.out("problem: \(p)") }
            for w in report.warnings { Console.out("warning: \(w)") }
            for n in report.notes { Console.out("note: \(n)") }
        }
        Console.flush()
        if !report.consistent { throw ExitCode(CLIExit.checkFailed.rawValue) }
    }
}

/// `ticktape export`: the tape as JSONL.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a tape's frames and lifecycle events as JSONL, payloads byte-exact.",
        discussion: """
            Lines carry kind, epoch, seq, dir, opcode, recv_ns, mono_ns and the payload as text (valid UTF-8) \
            or base64; the first line is the session. --from/--to are offsets from the session start.
            Example: ticktape export session.tape --epoch 2 --types trade --codes KRW-BTC > trades.jsonl
            """
    )

    @Argument(help: "The tape file.") var tape: String
    @Option(help: "Output format.") var format = ExportFormat.jsonl
    @Option(help: "Only this epoch.") var epoch: UInt32?
    @Option(help: "Only entries at or after this offset from session start, e.g. 10s.") var from: DurationArgument?
    @Option(help: "Only entries before this offset from session start.") var to: DurationArgument?
    @Option(help: "Only these message types, comma-separated (frames without a type are left out).") var types: String?
    @Option(help: "Only these market codes, comma-separated.") var codes: String?

    func run() throws {
        let filter = TapeFilter(
            epoch: epoch,
            fromMonoNs: from?.nanoseconds,
            toMonoNs: to?.nanoseconds,
            types: types.map(Self.set),
            codes: codes.map(Self.set)
        )
        try cli {
            let reader = try TapeReader(path: tape)
            Console.out(JSONLCodec.line(reader.session))
            let cursor = try reader.entries(filter)
            while let entry = try cursor.next() { Console.out(JSONLCodec.line(entry)) }
        }
        Console.flush()
    }

    static func set(_ list: String) -> Set<String> {
        Set(list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
    }
}

/// `ticktape reindex`: rebuild extracted columns.
struct ReindexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reindex",
        abstract: "Rebuild the extracted columns (type, code, event time, stream type, key) from the payloads.",
        discussion: "Example: ticktape reindex session.tape"
    )

    @Argument(help: "The tape file.") var tape: String

    func run() throws {
        let count = try cli { try TapeReindexer.reindex(TapeReader(path: tape), profile: UpbitProfile()) }
        Console.out("reindexed \(count) frames")
        Console.flush()
    }
}
