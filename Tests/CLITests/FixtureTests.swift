import Foundation
import Testing
import TicktapeTestSupport

/// Every recorded chaos session in Fixtures/ is checked against its expectation file: the same
/// verdict and the same counts on every build.
@Suite(.timeLimit(.minutes(3))) struct FixtureTests {
    static let fixtures: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Fixtures").standardized.path

    static var names: [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: fixtures)) ?? []
        return files.filter { $0.hasSuffix(".tape") }.map { String($0.dropLast(5)) }.sorted()
    }

    @Test func thereAreAtLeastFiveFixturesEachUnderTwoMegabytes() throws {
        #expect(Self.names.count >= 5)
        for name in Self.names {
            let size =
                try FileManager.default.attributesOfItem(atPath: "\(Self.fixtures)/\(name).tape")[.size] as? Int ?? 0
            #expect(size < 2_000_000, "\(name) is \(size) bytes")
            #expect(
                FileManager.default.fileExists(atPath: "\(Self.fixtures)/\(name).expect"),
                "\(name) has no expectation"
            )
        }
    }

    @Test(arguments: FixtureTests.names)
    func fixturePassesAndMatchesItsExpectations(_ name: String) async throws {
        // No other flag: an expectation file carries the consumers and speed its counts need.
        let arguments = ["check", "\(Self.fixtures)/\(name).tape", "--expect", "\(Self.fixtures)/\(name).expect"]
        let result = try await runTicktape(arguments)
        #expect(result.status == 0, "\(name): \(result.stdout.suffix(800))\(result.stderr)")
        #expect(result.stdout.hasPrefix("PASS"))
        #expect(result.stdout.contains("expectations: all counts match"))
    }

    @Test func aChangedCountFailsWithAReadableDiff() async throws {
        let dir = temporaryDirectory()
        let name = "reconnect-storm"
        var expect = try String(contentsOfFile: "\(Self.fixtures)/\(name).expect", encoding: .utf8)
        expect = expect.replacingOccurrences(of: "findings.stale_snapshot = ", with: "findings.stale_snapshot = 1")
        try expect.write(toFile: dir + "/x.expect", atomically: true, encoding: .utf8)
        let result = try await runTicktape(["check", "\(Self.fixtures)/\(name).tape", "--expect", dir + "/x.expect"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("findings.stale_snapshot: expected 1"))
    }

    @Test func aViolatedBoundFailsWithOneLineNamingIt() async throws {
        let dir = temporaryDirectory()
        let name = "slow-consumer"
        let original = try String(contentsOfFile: "\(Self.fixtures)/\(name).expect", encoding: .utf8)
        let bound = try #require(
            original.split(separator: "\n").first { $0.hasPrefix("consumer.gui.lag_p99_ms <= ") }
        )
        #expect(original.contains("consumer: name=gui,"))
        // The fixture meets its bound; tighten it to 1 ms and the check must fail on that line only.
        let edited = original.replacingOccurrences(of: String(bound), with: "consumer.gui.lag_p99_ms <= 1")
        try edited.write(toFile: dir + "/x.expect", atomically: true, encoding: .utf8)
        let result = try await runTicktape(["check", "\(Self.fixtures)/\(name).tape", "--expect", dir + "/x.expect"])
        #expect(result.status == 1)
        let diff = result.stdout.split(separator: "\n").filter { $0.hasPrefix("  consumer.") }
        #expect(diff.count == 1, "\(result.stdout.suffix(400))")
        let line = try #require(diff.first)
        #expect(line.hasPrefix("  consumer.gui.lag_p99_ms <= 1: got "))
        #expect(line.hasSuffix(" over the bound"))
        #expect(result.stdout.contains("expectations: 1 difference from"))
    }

    @Test func updateExpectKeepsBoundsAndRunOptionsAndRewritesExactCounts() async throws {
        let dir = temporaryDirectory()
        let name = "slow-consumer"
        let original = try String(contentsOfFile: "\(Self.fixtures)/\(name).expect", encoding: .utf8)
        let stale = original.replacingOccurrences(of: "rules.discarded = ", with: "rules.discarded = 9")
        #expect(stale != original)
        try stale.write(toFile: dir + "/x.expect", atomically: true, encoding: .utf8)
        let update = try await runTicktape(
            ["check", "\(Self.fixtures)/\(name).tape", "--expect", dir + "/x.expect", "--update-expect"]
        )
        #expect(update.status == 0, "\(update.stderr)")
        #expect(try String(contentsOfFile: dir + "/x.expect", encoding: .utf8) == original)
    }

    @Test func aNewExpectationFileRecordsTheRunsConsumersAndSpeed() async throws {
        let dir = temporaryDirectory()
        let tape = "\(Self.fixtures)/network-cut.tape"
        let spec = "name=slow,types=trade,capacity=4,policy=drop-oldest,service=300ms"
        let write = try await runTicktape([
            "check", tape, "--consumer", spec, "--speed", "1", "--expect", dir + "/n.expect", "--update-expect",
        ])
        #expect(write.status == 0, "\(write.stderr)")
        let text = try String(contentsOfFile: dir + "/n.expect", encoding: .utf8)
        #expect(text.contains("\nconsumer: \(spec)\nspeed: 1\n"))
        #expect(text.contains("consumer.slow.dropped = "))
        let again = try await runTicktape(["check", tape, "--expect", dir + "/n.expect"])
        #expect(again.status == 0, "\(again.stdout.suffix(400))")
        #expect(again.stdout.contains("consumer spec: name=slow,"))
    }

    @Test func consumersOnTheCommandLineMustAgreeWithTheFile() async throws {
        let name = "slow-consumer"
        let result = try await runTicktape([
            "check", "\(Self.fixtures)/\(name).tape", "--expect", "\(Self.fixtures)/\(name).expect", "--consumer",
            "name=other",
        ])
        #expect(result.status == 2)
        #expect(result.stderr.contains("--consumer differs from the consumers in"))
    }

    @Test func determinismHoldsOnEveryFixture() async throws {
        let result = try await runTicktape(
            ["check", "--determinism"] + Self.names.map { "\(Self.fixtures)/\($0).tape" }
        )
        #expect(result.status == 0, "\(result.stdout)")
        #expect(result.stdout.hasSuffix("determinism: ok\n"))
    }

    @Test func reportsRenderInEveryFormat() async throws {
        let dir = temporaryDirectory()
        let tape = "\(Self.fixtures)/stale-epoch-tail.tape"
        let json = try await runTicktape(["check", tape, "--format", "json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(object?["verdict"] as? String == "pass")
        let html = try await runTicktape(["check", tape, "--format", "html", "--out", dir + "/r.html"])
        #expect(html.status == 0)
        let page = try String(contentsOfFile: dir + "/r.html", encoding: .utf8)
        #expect(page.contains("<svg") && !page.contains("http://") && !page.contains("https://"))
    }
}
