import ArgumentParser
import Foundation
import Replay
import Reports
import Rules
import Upbit

/// `ticktape check`: recorded sessions as regression tests, with a verdict and witnesses.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract:
            "Check tapes: no duplicate delivered, no state regressed, every snapshot merged; verdict and witnesses.",
        discussion: """
            Exit 0 when every tape passes (and matches --expect), 1 when a check fails, a count differs from \
            --expect or the verdict is unknown, 2 when a file is not a tape or the options are wrong.
            With --deliveries, the oracle judges your own client instead of ticktape's fan-out: FILE holds one
            JSON line per message the client applied, in its order (the message as received, or
            {"message": …, "t_ns": …}); C1, C2, C4 and C5 are checked on it, C3 with the server's --sent-log,
            C6 with --lossless, and a line that matches no frame is an unknown violation (for instance
            check chaos.tape --deliveries applied.jsonl --sent-log sent.jsonl, after serve --sent-log).
            Example: ticktape check Fixtures/reconnect-storm.tape --expect Fixtures/reconnect-storm.expect
                     ticktape check session.tape --format html --out report.html
            """
    )

    @Argument(help: "The tapes to check.") var tapes: [String]
    @Option(
        help:
            "A consumer spec (as in replay); repeat for several. Default: the --expect file's, else one that takes everything."
    )
    var consumer: [String] = []
    @Option(help: "Pace relative to the recording: a factor or max. Default: the --expect file's, else max.")
    var speed: String?
    @Option(help: "Compare the counts and bounds with this expectation file (it may name the consumers and speed).")
    var expect: String?
    @Flag(help: "Write the counts to the --expect file instead of comparing; bounds in it are kept.")
    var updateExpect = false
    @Option(help: "Report format.") var format = ReportFormat.text
    @Option(help: "Write the report to this file instead of stdout.") var out: String?
    @Option(
        help:
            "A silent_stream finding when a subscribed stream with data before a reconnect has none this long after it."
    )
    var silenceWindow = DurationArgument(nanoseconds: 30_000_000_000)
    @Flag(help: "Replay twice, and at speed 1 vs max, and say whether digests and rule counts agree.")
    var determinism = false
    @Flag(help: "Skip the payload proof (no block is inflated or checksummed); the report says so.")
    var quick = false
    @Option(help: "Judge your client: the JSONL log of the messages it applied, in order.")
    var deliveries: String?
    @Option(help: "The client's name in the report (with --deliveries).") var deliveriesName = "client"
    @Option(help: "The server's log of what it sent (serve --sent-log); with --deliveries, C3 is checked too.")
    var sentLog: String?
    @Flag(help: "With --deliveries: the client applies every accepted trade of its streams (C6 is checked).")
    var lossless = false

    func replayOptions(file: Expectations? = nil) throws -> ReplayOptions {
        let speedText = speed ?? file?.speed ?? "max"
        guard let pace = ReplaySpeed(speedText) else {
            throw ValidationError("--speed must be a positive number or max")
        }
        var specs: [ConsumerSpec] = []
        for text in consumer.isEmpty ? file?.consumers ?? [] : consumer {
            do { specs.append(try ConsumerSpec.parse(text)) } catch {
                throw ValidationError("--consumer '\(text)': \(error)")
            }
        }
        return ReplayOptions(speed: pace, consumers: specs)
    }

    func validate() throws {
        guard !tapes.isEmpty else { throw ValidationError("give at least one tape") }
        if updateExpect && expect == nil { throw ValidationError("--update-expect needs --expect FILE") }
        if deliveries == nil {
            if sentLog != nil { throw ValidationError("--sent-log needs --deliveries FILE") }
            if lossless { throw ValidationError("--lossless needs --deliveries FILE") }
        } else {
            if tapes.count != 1 { throw ValidationError("--deliveries checks one tape, got \(tapes.count)") }
            if !consumer.isEmpty { throw ValidationError("--deliveries judges the client, not --consumer specs") }
            if determinism { throw ValidationError("--determinism does not apply to --deliveries") }
            if deliveriesName.isEmpty { throw ValidationError("--deliveries-name must not be empty") }
        }
        _ = try replayOptions()
    }

    func run() throws {
        let file = try expectationFile()
        let options = try badInput { try replayOptions(file: file) }
        if determinism { return try runDeterminism(options) }
        let client = try clientInput()
        let progress = Progress(label: "check", total: Progress.frames(in: tapes))
        let checks = tapes.map {
            if let client {
                TapeFileCheck.check(
                    path: $0,
                    client: client,
                    options: CheckOptions(silenceWindowNs: silenceWindow.nanoseconds),
                    provePayloads: !quick,
                    progress: progress.update
                )
            } else {
                TapeFileCheck.check(
                    path: $0,
                    replay: options,
                    options: CheckOptions(silenceWindowNs: silenceWindow.nanoseconds),
                    profile: UpbitProfile(),
                    provePayloads: !quick,
                    progress: progress.update
                )
            }
        }
        progress.finish()
        // A deliveries log that is not one is bad input, whatever the tape said.
        if let client, case .failure(let error) = client.readDeliveries() {
            throw CLIError.badInput(error.description)
        }
        let report = CheckReport(tapes: checks)
        let rendered: String
        switch format {
        case .json: rendered = report.json()
        case .html: rendered = report.html()
        case .text: rendered = report.text()
        }
        if let out {
            do { try rendered.write(toFile: out, atomically: true, encoding: .utf8) } catch {
                throw CLIError(.runtime, "cannot write \(out): \(error.localizedDescription)")
            }
            Console.out("\(report.verdict.rawValue): report written to \(out)")
        } else {
            Console.out(rendered.hasSuffix("\n") ? String(rendered.dropLast()) : rendered)
        }
        var failed = report.verdict != .pass
        if let expect { failed = try compare(report, expect, file: file) || failed }
        Console.flush()
        if let unreadable = checks.first(where: { $0.replay == nil }) {
            throw CLIError.badInput(unreadable.reason ?? "\(unreadable.tape) is not a readable tape")
        }
        if failed { throw ExitCode(CLIExit.checkFailed.rawValue) }
    }

    /// The client's logs (`--deliveries`, `--sent-log`), read before the tape; nil without them.
    private func clientInput() throws -> ClientCheckInput? {
        guard let deliveries else { return nil }
        do throws(DeliveriesLogError) {
            let profile = UpbitProfile()
            return ClientCheckInput(
                name: deliveriesName,
                deliveriesPath: deliveries,
                sent: try sentLog.map { (path) throws(DeliveriesLogError) in try SentLog.read(path: path) },
                lossless: lossless,
                profile: profile
            )
        } catch {
            throw CLIError.badInput(error.description)
        }
    }

    /// The --expect file, read before the run because it may name the consumers and speed; nil
    /// without --expect, or with --update-expect when the file does not exist yet. With both the
    /// file's consumers and --consumer, they must agree unless --update-expect replaces the file's.
    private func expectationFile() throws -> Expectations? {
        guard let path = expect else { return nil }
        if updateExpect && !FileManager.default.fileExists(atPath: path) { return nil }
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw CLIError.badInput("cannot read expectation file \(path)")
        }
        var file: Expectations
        do { file = try Expectations(parsing: text) } catch { throw CLIError.badInput("\(path): \(error)") }
        if !consumer.isEmpty && !file.consumers.isEmpty && !updateExpect {
            let given = try badInput { try replayOptions().consumers }
            // The file's specs parsed when the file was read.
            let written = file.consumers.compactMap { try? ConsumerSpec.parse($0) }
            if given.map(\.description) != written.map(\.description) {
                throw CLIError.badInput(
                    "--consumer differs from the consumers in \(path); give one or the other (or --update-expect)"
                )
            }
        }
        if updateExpect {
            if !consumer.isEmpty { file.consumers = consumer }
            if let speed { file.speed = speed }
        }
        return file
    }

    /// Writes or compares the expectation file; true when counts differ or a bound is broken.
    private func compare(_ report: CheckReport, _ path: String, file: Expectations?) throws -> Bool {
        if updateExpect {
            // A new file records the run's --consumer and --speed, so it checks alone afterwards.
            let written =
                file?.updated(with: Expectations(measuring: report))
                ?? Expectations(sections: Expectations(report).sections, consumers: consumer, speed: speed)
            do { try written.rendered().write(toFile: path, atomically: true, encoding: .utf8) } catch {
                throw CLIError(.runtime, "cannot write \(path): \(error.localizedDescription)")
            }
            Console.out("expectations written to \(path)")
            return false
        }
        guard let expected = file else { return false }
        let differences = report.differences(from: expected)
        if differences.isEmpty {
            Console.out("expectations: all counts match \(path)")
            return false
        }
        let noun = differences.count == 1 ? "difference" : "differences"
        Console.out("expectations: \(differences.count) \(noun) from \(path)")
        for line in differences { Console.out("  \(line)") }
        return true
    }

    /// Options errors found at run time (they come from the --expect file) are bad input: exit 2.
    private func badInput<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as ValidationError { throw CLIError.badInput(error.message) }
    }

    /// Two runs at the same speed must be byte-identical; rule counts must not depend on speed.
    private func runDeterminism(_ options: ReplayOptions) throws {
        var failed = false
        for tape in tapes {
            var atOne = options
            atOne.speed = .factor(1)
            var atMax = options
            atMax.speed = .max
            let (first, second, fast) = try cli {
                (
                    try TapeReplay.run(path: tape, options: atOne), try TapeReplay.run(path: tape, options: atOne),
                    try TapeReplay.run(path: tape, options: atMax)
                )
            }
            let repeatable = first.json() == second.json()
            let sameRules = first.rules == fast.rules
            let sameDigests = first.consumers.map(\.digest) == fast.consumers.map(\.digest)
            Console.out("\(tape): two runs at speed 1 \(repeatable ? "identical" : "DIFFER")")
            Console.out("  rule counts at speed 1 vs max \(sameRules ? "agree" : "DIFFER")")
            Console.out(
                "  delivery digests at speed 1 vs max \(sameDigests ? "agree" : "differ (allowed only when consumers drop or coalesce)")"
            )
            for (a, b) in zip(first.consumers, fast.consumers) {
                Console.out(
                    "    \(a.name): \(a.digest.prefix(16))… vs \(b.digest.prefix(16))…, dropped \(a.dropped) vs \(b.dropped)"
                )
            }
            let lossless = first.consumers.allSatisfy { $0.dropped == 0 && $0.coalesced == 0 }
            failed = failed || !repeatable || !sameRules || (lossless && !sameDigests)
        }
        Console.out(failed ? "determinism: FAILED" : "determinism: ok")
        Console.flush()
        if failed { throw ExitCode(CLIExit.checkFailed.rawValue) }
    }
}
