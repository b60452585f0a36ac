import Foundation
import TapeLog
import Testing
import TicktapeTestSupport

/// `ticktape merge` at the CLI: the merged tape checks and verifies as any tape, `inspect` shows
/// its coverage, a conflict exits 1, bad input exits 2.
@Suite(.timeLimit(.minutes(3))) struct MergeCommandTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Fixtures/network-cut.tape").standardized.path

    @Test func aMergedTapeInspectsWithItsCoverageAndChecksAsAnyTape() async throws {
        let dir = temporaryDirectory()
        let out = dir + "/m.tape"
        let merged = try await runTicktape(["merge", Self.fixture, Self.fixture, "--out", out])
        #expect(merged.status == 0, "\(merged.stderr)")
        #expect(merged.stdout.contains("merged 2 tapes into \(out)"), "\(merged.stdout)")
        // The same recording twice: its own gaps are nobody else's data.
        #expect(merged.stdout.contains("NOT covered"), "\(merged.stdout)")
        let inspect = try await runTicktape(["inspect", out])
        #expect(inspect.status == 0, "\(inspect.stderr)")
        #expect(inspect.stdout.contains("coverage"), "\(inspect.stdout)")
        #expect(inspect.stdout.contains("source 1 reconnect"), "\(inspect.stdout)")
        let json = try await runTicktape(["inspect", out, "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let merge = object?["merge"] as? [String: Any]
        #expect((merge?["sources"] as? [Any])?.count == 2, "\(json.stdout.prefix(400))")
        #expect((merge?["gaps"] as? [Any])?.isEmpty == false)
        #expect(try await runTicktape(["verify", out]).status == 0)
        let check = try await runTicktape(["check", out])
        #expect(check.status == 0, "\(check.stdout.suffix(600)) \(check.stderr)")
        // A tape recorded directly shows no coverage.
        #expect(try await !runTicktape(["inspect", Self.fixture]).stdout.contains("coverage"))
    }

    @Test func aConflictingCopyExitsOneAndNamesTheKey() async throws {
        let dir = temporaryDirectory()
        let export = try await runTicktape(["export", Self.fixture])
        var lines = export.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let index = try #require(lines.firstIndex { $0.contains(#"\"type\":\"trade\""#) && $0.contains("trade_price") })
        let price = try #require(lines[index].range(of: #"\"trade_price\":"#))
        let digit = lines[index][price.upperBound]
        let replacement: Character = digit == "9" ? "1" : "9"
        lines[index].replaceSubrange(price.upperBound...price.upperBound, with: String(replacement))
        try lines.joined(separator: "\n").write(toFile: dir + "/c.jsonl", atomically: true, encoding: .utf8)
        let imported = try await runTicktape(["import", dir + "/c.jsonl", "--out", dir + "/c.tape"])
        #expect(imported.status == 0, "\(imported.stderr)")
        let merged = try await runTicktape(["merge", Self.fixture, dir + "/c.tape", "--out", dir + "/m.tape"])
        #expect(merged.status == 1, "\(merged.stderr)")
        #expect(merged.stderr.contains("1 conflicts"), "\(merged.stderr)")
        #expect(merged.stdout.contains("conflict key"), "\(merged.stdout)")
        let inspect = try await runTicktape(["inspect", dir + "/m.tape"])
        #expect(inspect.stdout.contains("1 conflicts"), "\(inspect.stdout)")
    }

    @Test func badInputExitsTwoWithOneLine() async throws {
        let dir = temporaryDirectory()
        let missing = try await runTicktape(["merge", dir + "/nope.tape", "--out", dir + "/m.tape"])
        #expect(missing.status == 2)
        #expect(missing.stderr.split(separator: "\n").count == 1, "\(missing.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/m.tape"))
        let existing = try await runTicktape(["merge", Self.fixture, "--out", Self.fixture])
        #expect(existing.status == 2)
        let none = try await runTicktape(["merge", "--out", dir + "/m.tape"])
        #expect(none.status == 2)
    }
}
