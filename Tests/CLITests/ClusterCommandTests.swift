import Foundation
import TapeLog
import Testing
import TicktapeTestSupport

/// `record --publish`, `pull` and `publish` at the CLI, against the tests' shared 3-node cluster.
@Suite(.serialized, .timeLimit(.minutes(4))) struct ClusterCommandTests {
    @Test func twoRecordersPublishAndPullGivesEachTapeAndTheirMerge() async throws {
        let cluster = try NATSCluster.shared()
        let dir = temporaryDirectory()
        let simulator = try ChildProcess(ticktape: ["simulate", "--port", "0", "--symbols", "3", "--rate", "200"])
        defer { simulator.kill() }
        let line = await simulator.firstLine(seconds: 60) ?? ""
        let url = try #require(line.split(separator: " ").last.map(String.init), "\(line)")
        func record(_ name: String) async throws -> RunResult {
            try await runTicktape([
                "record", url, "--out", "\(dir)/\(name).tape", "--upbit", "ticker,trade:KRW-BTC,KRW-ETH",
                "--duration", "2s", "--publish", cluster.url, "--stream", "CLITEST", "--recorder", name,
            ])
        }
        async let a = record("host-a")
        async let b = record("host-b")
        let (recordedA, recordedB) = try await (a, b)
        #expect(recordedA.status == 0 && recordedB.status == 0, "\(recordedA.stderr) \(recordedB.stderr)")
        #expect(recordedA.stdout.contains("to CLITEST as host-a"), "\(recordedA.stdout)")
        #expect(!recordedA.stdout.contains("not acked"), "\(recordedA.stdout)")

        // One recorder: its tape, entry for entry (exports are identical).
        let pulled = try await runTicktape([
            "pull", cluster.url, "--stream", "CLITEST", "--recorder", "host-a", "--out", "\(dir)/pulled-a.tape",
        ])
        #expect(pulled.status == 0, "\(pulled.stderr)")
        let local = try await runTicktape(["export", "\(dir)/host-a.tape"])
        let remote = try await runTicktape(["export", "\(dir)/pulled-a.tape"])
        #expect(local.stdout.count > 1000 && local.stdout == remote.stdout)

        // Publishing the same tape again stores nothing new; the pull is unchanged.
        let again = try await runTicktape([
            "publish", "\(dir)/host-a.tape", "--publish", cluster.url, "--stream", "CLITEST", "--recorder", "host-a",
        ])
        #expect(again.status == 0, "\(again.stderr)")
        let pulledAgain = try await runTicktape([
            "pull", cluster.url, "--stream", "CLITEST", "--recorder", "host-a", "--out", "\(dir)/pulled-a2.tape",
        ])
        #expect(pulledAgain.status == 0, "\(pulledAgain.stderr)")
        #expect(try await runTicktape(["export", "\(dir)/pulled-a2.tape"]).stdout == local.stdout)

        // All recorders: merged, with both as sources.
        let merged = try await runTicktape(["pull", cluster.url, "--stream", "CLITEST", "--out", "\(dir)/all.tape"])
        #expect(merged.status == 0, "\(merged.stderr)")
        #expect(merged.stdout.contains("pulled 2 sessions"), "\(merged.stdout)")
        let inspect = try await runTicktape(["inspect", "\(dir)/all.tape"])
        #expect(inspect.stdout.contains("host-a:") && inspect.stdout.contains("host-b:"), "\(inspect.stdout)")
    }

    @Test func benchRecordPublishReportsBothRunsAsJSON() async throws {
        let cluster = try NATSCluster.shared()
        let run = try await runTicktape([
            "bench", "record", "--seconds", "1", "--symbols", "2", "--rate", "300", "--publish", cluster.url,
            "--stream", "BENCH", "--recorder", "bench", "--rounds", "1", "--json",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        let baseline = object?["baseline"] as? [String: Any]
        let publish = object?["publish"] as? [String: Any]
        #expect((baseline?["frames"] as? Int ?? 0) > 0 && (publish?["frames"] as? Int ?? 0) > 0, "\(run.stdout)")
        #expect(object?["unacked"] as? Int == 0 && (object?["acked"] as? Int ?? 0) > 0, "\(run.stdout)")
        #expect(object?["overhead"] is Double && object?["within_goal"] is Bool, "\(run.stdout)")
    }

    @Test func badClusterInputExitsTwo() async throws {
        let dir = temporaryDirectory()
        let noStream = try await runTicktape([
            "record", "ws://127.0.0.1:1/websocket/v1", "--out", "\(dir)/a.tape", "--upbit", "trade:KRW-BTC",
            "--publish", "nats://127.0.0.1:4222",
        ])
        #expect(noStream.status == 2, "\(noStream.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/a.tape"))
        let badName = try await runTicktape([
            "pull", "nats://127.0.0.1:1", "--stream", "UP.BIT", "--out", "\(dir)/p.tape",
        ])
        #expect(badName.status == 2, "\(badName.stderr)")
        let badURL = try await runTicktape([
            "pull", "http://127.0.0.1:1", "--stream", "CLITEST", "--out", "\(dir)/p.tape",
        ])
        #expect(badURL.status == 2, "\(badURL.stderr)")
        let nobody = try await runTicktape([
            "pull", "nats://127.0.0.1:1", "--stream", "CLITEST", "--out", "\(dir)/p.tape", "--timeout", "300ms",
        ])
        #expect(nobody.status == 3, "\(nobody.stderr)")
        #expect(nobody.stderr.split(separator: "\n").count == 1, "\(nobody.stderr)")
    }
}
