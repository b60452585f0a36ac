import Foundation
import Testing
import TicktapeTestSupport

/// `verify` and `check` prove payloads and say how; `check --quick` skips the proof and says so.
@Suite(.timeLimit(.minutes(3))) struct PayloadProofCLITests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Fixtures/network-cut.tape").standardized.path
    static let formatOne = "format 1: blocks carry no checksum; payloads checked by length only"

    @Test func verifyAndCheckSayAFormatOneTapeIsCheckedByLengthOnly() async throws {
        let verify = try await runTicktape(["verify", Self.fixture])
        #expect(verify.status == 0 && verify.stdout.contains("note: \(Self.formatOne)"), "\(verify.stdout)")
        let check = try await runTicktape(["check", Self.fixture, "--format", "json"])
        #expect(check.status == 0, "\(check.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any])
        let tape = try #require((json["tapes"] as? [[String: Any]])?.first)
        #expect((tape["integrity"] as? [String: Any])?["payloads"] as? String == "length")
        #expect((tape["notes"] as? [String])?.contains(Self.formatOne) == true)
    }

    @Test func checkQuickSkipsTheProofAndSaysSoInTextJSONAndHTML() async throws {
        let text = try await runTicktape(["check", Self.fixture, "--quick"])
        #expect(text.status == 0 && text.stdout.contains("payloads not proven (--quick)"), "\(text.stdout)")
        let json = try await runTicktape(["check", Self.fixture, "--quick", "--format", "json"])
        #expect(json.stdout.contains(#""payloads":"skipped""#) || json.stdout.contains(#""payloads": "skipped""#))
        let dir = temporaryDirectory()
        let html = try await runTicktape([
            "check", Self.fixture, "--quick", "--format", "html", "--out", dir + "/r.html",
        ])
        #expect(html.status == 0, "\(html.stderr)")
        #expect(try String(contentsOfFile: dir + "/r.html", encoding: .utf8).contains("payloads not proven (--quick)"))
    }

    @Test func aBlockOverwrittenWithRandomBytesIsDamageForVerifyAndCheck() async throws {
        let path = temporaryDirectory() + "/t.tape"
        try FileManager.default.copyItem(atPath: Self.fixture, toPath: path)
        let (status, output) = try sqlite3(
            path,
            "DROP TRIGGER block_append_only_update; UPDATE block SET data = randomblob(length(data)) WHERE id = 2;"
        )
        try #require(status == 0, "\(output)")
        for command in [["verify", path], ["check", path]] {
            let run = try await runTicktape(command)
            #expect(run.status == 2, "\(command): \(run.stdout)")
            let lines = run.stderr.split(separator: "\n")
            #expect(lines.count == 1 && lines[0].contains("is damaged: block 2"), "\(command): \(run.stderr)")
            #expect(run.stderr.contains("it holds"), "the frames the block holds are named")
        }
    }
}
