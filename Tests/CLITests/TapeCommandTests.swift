import Foundation
import TapeLog
import Testing
import TicktapeTestSupport

@Suite(.timeLimit(.minutes(3))) struct TapeCommandTests {
    @Test func exportOfAnImportIsIdenticalLineForLine() async throws {
        let dir = temporaryDirectory()
        try writeSampleTape(at: dir + "/a.tape", epochs: 3, framesPerEpoch: 150)
        let first = try await runTicktape(["export", dir + "/a.tape"])
        #expect(first.status == 0, "\(first.stderr)")
        try first.stdout.write(toFile: dir + "/a.jsonl", atomically: true, encoding: .utf8)
        let imported = try await runTicktape(["import", dir + "/a.jsonl", "--out", dir + "/b.tape"])
        #expect(imported.status == 0, "\(imported.stderr)")
        let second = try await runTicktape(["export", dir + "/b.tape"])
        #expect(second.stdout == first.stdout)
        let lines = first.stdout.split(separator: "\n").count
        let expected: Int = 3 * 150 + 3 * 2 + 1 + 1
        #expect(lines == expected)
        #expect(first.stdout.contains(#""base64":"#), "binary payloads that are not UTF-8 go out as base64")
    }

    @Test func exportFiltersByEpochAndTime() async throws {
        let dir = temporaryDirectory()
        try writeSampleTape(at: dir + "/a.tape", epochs: 3, framesPerEpoch: 50)
        let epoch2 = try await runTicktape(["export", dir + "/a.tape", "--epoch", "2"])
        let lines = epoch2.stdout.split(separator: "\n").dropFirst()
        #expect(lines.count == 52)
        #expect(lines.allSatisfy { $0.contains(#""epoch":2,"#) })
        let early = try await runTicktape(["export", dir + "/a.tape", "--to", "1ms"])
        #expect(early.stdout.split(separator: "\n").count < 10)
    }

    @Test func badInputsGetOneLineAndExitTwo() async throws {
        let dir = temporaryDirectory()
        try writeSampleTape(at: dir + "/ok.tape", epochs: 1, framesPerEpoch: 20)
        _ = FileManager.default.createFile(atPath: dir + "/random", contents: Data((0..<4096).map { UInt8($0 % 251) }))
        _ = try sqlite3(dir + "/foreign.db", "CREATE TABLE t(x);")
        try "{\"kind\":\"session\"}\nnot json\n".write(toFile: dir + "/bad.jsonl", atomically: true, encoding: .utf8)
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/ok.tape"))
        _ = FileManager.default.createFile(atPath: dir + "/cut.tape", contents: data.prefix(3000))
        let cases: [[String]] = [
            ["inspect", dir + "/missing.tape"],
            ["inspect", dir],
            ["verify", dir + "/random"],
            ["export", dir + "/foreign.db"],
            ["inspect", dir + "/cut.tape"],
            ["import", dir + "/bad.jsonl", "--out", dir + "/x.tape"],
            ["import", dir + "/nope.jsonl", "--out", dir + "/y.tape"],
            ["inspect"],
            ["export", dir + "/ok.tape", "--format", "csv"],
            ["export", dir + "/ok.tape", "--from", "soon"],
            ["chaos", dir + "/ok.tape", "--out", dir + "/z.tape", "--seed", "1", "--spec", "auth-expire every:5s"],
            ["check", dir + "/ok.tape", "--expect", dir + "/bad.jsonl"],
            ["nonsense"],
        ]
        for arguments in cases {
            let result = try await runTicktape(arguments)
            #expect(result.status == 2, "\(arguments): exit \(result.status), \(result.stderr)")
            let lines = result.stderr.split(separator: "\n")
            #expect(lines.count == 1 && lines[0].hasPrefix("ticktape: "), "\(arguments): \(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/x.tape"), "a failed import leaves no half tape")
    }

    @Test func inspectAndVerifyDescribeATape() async throws {
        let dir = temporaryDirectory()
        try writeSampleTape(at: dir + "/a.tape", epochs: 2, framesPerEpoch: 40)
        let inspect = try await runTicktape(["inspect", dir + "/a.tape", "--json"])
        #expect(inspect.status == 0)
        let json = try JSONSerialization.jsonObject(with: Data(inspect.stdout.utf8)) as? [String: Any]
        #expect(json?["frames"] as? Int == 80)
        #expect((json?["epochs"] as? [Any])?.count == 2)
        let verify = try await runTicktape(["verify", dir + "/a.tape"])
        #expect(verify.status == 0 && verify.stdout.hasPrefix("consistent"))
        _ = try sqlite3(dir + "/a.tape", "DROP TRIGGER frame_append_only_delete; DELETE FROM frame WHERE seq = 5;")
        let broken = try await runTicktape(["verify", dir + "/a.tape"])
        #expect(broken.status == 1 && broken.stdout.contains("I1 seq hole"))
    }
}
