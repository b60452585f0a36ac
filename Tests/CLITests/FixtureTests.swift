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
        var arguments = ["check", "\(Self.fixtures)/\(name).tape", "--expect", "\(Self.fixtures)/\(name).expect"]
        if let consumers = try? String(contentsOfFile: "\(Self.fixtures)/\(name).consumers", encoding: .utf8) {
            for spec in consumers.split(separator: "\n") where !spec.isEmpty {
                arguments += ["--consumer", String(spec)]
            }
        }
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
