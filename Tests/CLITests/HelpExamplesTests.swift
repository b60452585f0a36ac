import ArgumentParser
import Foundation
import Testing
import TicktapeTestSupport

@testable import TicktapeCLI

/// Every subcommand's --help has a one-sentence abstract and a working example: this walks
/// them all and runs each example in a scratch directory holding the files examples name
/// (`session.tape`, `clean.tape`, `a.tape` are copies of a fixture; `Fixtures/` is the repo's),
/// with fixed ports made free ones and the recorder pointed at a local simulator.
@Suite struct HelpExamplesTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Fixtures").standardized.path

    static var commands: [ParsableCommand.Type] {
        Ticktape.configuration.subcommands.filter { $0.configuration.shouldDisplay }
    }

    static var names: [String] { commands.map { $0.configuration.commandName ?? "" } }

    /// The example command lines of a discussion: after `Example:`, continued by trailing `\`
    /// and by further lines that start with `ticktape`.
    static func examples(_ discussion: String) -> [String] {
        var result: [String] = []
        var current: String?
        var inExample = false
        for raw in discussion.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("Example:") {
                inExample = true
                line = String(line.dropFirst("Example:".count)).trimmingCharacters(in: .whitespaces)
            } else if current == nil && !(inExample && line.hasPrefix("ticktape ")) {
                inExample = false
                continue
            }
            let continued = line.hasSuffix("\\")
            if continued { line = String(line.dropLast()).trimmingCharacters(in: .whitespaces) }
            current = current.map { $0 + " " + line } ?? line
            if !continued, let done = current {
                result.append(done)
                current = nil
            }
        }
        return result
    }

    @Test func everySubcommandHasAOneSentenceAbstractAndAnExample() async throws {
        #expect(Self.names.count >= 13)
        for command in Self.commands {
            let c = command.configuration
            #expect(c.abstract.hasSuffix(".") && c.abstract.filter { $0 == "." }.count == 1, "\(c.abstract)")
            let examples = Self.examples(c.discussion)
            #expect(!examples.isEmpty, "\(c.commandName ?? "") has no example")
            #expect(examples.allSatisfy { $0.hasPrefix("ticktape \(c.commandName ?? "")") || $0.contains("&&") })
            let help = try await runTicktape([c.commandName ?? "", "--help"])
            #expect(help.status == 0 && help.stdout.contains("Example: ticktape"), "\(c.commandName ?? "") --help")
        }
    }

    /// `bench` is a namespace: each benchmark is a subcommand with its own abstract, help and an
    /// example that runs (with small sizes: benchmarks report, the test only needs them to finish).
    @Test func everyBenchSubcommandHasAnAbstractAHelpAndAnExampleThatRuns() async throws {
        let subcommands = BenchCommand.configuration.subcommands
        #expect(
            subcommands.map { $0.configuration.commandName } == [
                "write", "check", "verify", "record", "serve", "relay",
            ]
        )
        for command in subcommands {
            let c = command.configuration
            let name = c.commandName ?? ""
            #expect(c.abstract.hasSuffix(".") && c.abstract.filter { $0 == "." }.count == 1, "\(c.abstract)")
            let examples = Self.examples(c.discussion)
            #expect(examples.count == 1 && examples.allSatisfy { $0.hasPrefix("ticktape bench \(name) ") }, "\(name)")
            let help = try await runTicktape(["bench", name, "--help"])
            #expect(help.status == 0 && help.stdout.contains("Example: ticktape bench \(name)"), "bench \(name) --help")
            for example in examples {
                let words = Array(shellWords(example).dropFirst())
                let run = try await runTicktape(words, in: temporaryDirectory())
                #expect(run.status == 0, "\(example)\n\(run.stderr)")
                if words.contains("--json") {
                    let object = try? JSONSerialization.jsonObject(with: Data(run.stdout.utf8))
                    #expect(object is [String: Any], "\(example): one JSON object")
                }
            }
        }
    }

    @Test(arguments: HelpExamplesTests.names)
    func theExampleRuns(_ name: String) async throws {
        let command = try #require(Self.commands.first { $0.configuration.commandName == name })
        let dir = temporaryDirectory()
        for copy in ["session.tape", "clean.tape", "a.tape"] {
            try FileManager.default.copyItem(atPath: "\(Self.fixtures)/reconnect-storm.tape", toPath: "\(dir)/\(copy)")
        }
        try FileManager.default.createSymbolicLink(atPath: "\(dir)/Fixtures", withDestinationPath: Self.fixtures)
        var simulator: ChildProcess?
        defer { simulator?.kill() }
        // The cluster commands' examples talk to a NATS server: the tests' shared 3-node cluster.
        let cluster = name == "pull" || name == "publish" ? try NATSCluster.shared() : nil
        for example in Self.examples(command.configuration.discussion) {
            for part in example.components(separatedBy: " && ") {
                var words = shellWords(part)
                #expect(words.first == "ticktape")
                words.removeFirst()
                var stdoutFile: String?
                if let redirect = words.firstIndex(of: ">") {
                    stdoutFile = "\(dir)/\(words[redirect + 1])"
                    words.removeSubrange(redirect...)
                }
                if name == "serve" || name == "simulate" {
                    words = words.map { $0 == "9000" || $0 == "9001" ? "0" : $0 }
                    let process = try ChildProcess(ticktape: words, in: dir)
                    let first = await process.firstLine(seconds: 60) ?? ""
                    #expect(first.contains("ws://127.0.0.1:"), "\(name): \(first)")
                    process.send(SIGINT)
                    #expect(await process.wait(seconds: 30), "\(name) ends on SIGINT")
                    #expect(process.status == 0, "\(name) exits 0 on SIGINT: \(process.stderr)")
                    continue
                }
                if name == "relay" { words = words.map { $0 == "127.0.0.1:9100" ? "127.0.0.1:0" : $0 } }
                if name == "record" || name == "relay" {
                    let sim = try ChildProcess(ticktape: ["simulate", "--port", "0", "--symbols", "4", "--rate", "100"])
                    simulator = sim
                    let line = await sim.firstLine(seconds: 60) ?? ""
                    let port = line.split(separator: ":").last.map { $0.prefix { $0.isNumber } } ?? ""
                    words = words.map { $0.replacingOccurrences(of: "127.0.0.1:9000", with: "127.0.0.1:\(port)") }
                }
                if let cluster { words = words.map { $0 == "nats://127.0.0.1:4222" ? cluster.url : $0 } }
                let result = try await runTicktape(words, in: dir)
                #expect(result.status == 0, "\(name): \(part)\n\(result.stderr)\(result.stdout.suffix(500))")
                if let stdoutFile { try result.stdout.write(toFile: stdoutFile, atomically: true, encoding: .utf8) }
            }
        }
    }
}
