import Foundation
import Testing
import TicktapeTestSupport

/// `ticktape relay` killed with SIGKILL mid-run: the tape verifies (a torn tail: no
/// `session_end`), and L1 holds on the committed prefix: every checkpoint the tape holds is
/// reproduced exactly, for the consumers that were still open when it died.
@Suite(.timeLimit(.minutes(3))) struct RelayCrashTests {
    @Test func aKilledRelayLeavesATapeThatVerifiesAndOnWhichL1Holds() async throws {
        let dir = temporaryDirectory()
        let simulator = try ChildProcess(ticktape: [
            "simulate", "--port", "0", "--symbols", "3", "--rate", "300", "--seed", "4",
            "--chaos", "cut every:1500ms; dup 0.05; stale-snapshot 0.5",
        ])
        defer { simulator.kill() }
        let first = await simulator.firstLine(seconds: 60) ?? ""
        let url = try #require(first.split(separator: " ").last.map(String.init), "simulate said: \(first)")
        let tape = dir + "/live.tape"
        let relay = try ChildProcess(
            ticktape: [
                "relay", url, "--out", tape, "--upbit", "ticker,trade,orderbook:KRW-BTC,KRW-ETH,KRW-XRP",
                "--listen", "127.0.0.1:0", "--commit-ms", "20",
                "--consumer", "name=gui,capacity=16,policy=coalesce,service=3ms",
                "--consumer", "name=algo,types=trade,capacity=64,policy=drop-oldest",
            ],
            in: dir
        )
        defer { relay.kill() }
        // Killed mid-run, a few cuts in, while it writes.
        try await Task.sleep(for: .seconds(5))
        #expect(relay.isRunning, "the relay is still running: \(relay.stderr)")
        relay.kill()
        #expect(await relay.wait(seconds: 10))
        #expect(relay.killedBySignal)

        let verify = try await runTicktape(["verify", tape])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        let inspect = try await runTicktape(["inspect", tape])
        #expect(inspect.stdout.contains("torn tail"), "\(inspect.stdout)")

        let replay = try await runTicktape(["replay", tape, "--as-recorded", "--json"])
        #expect(replay.status == 0, "\(replay.stdout)\(replay.stderr)")
        let reproduction = try #require(JSONSerialization.jsonObject(with: Data(replay.stdout.utf8)) as? [String: Any])
        #expect(reproduction["l1"] as? String == "holds")
        let consumers = reproduction["consumers"] as? [[String: Any]] ?? []
        #expect(consumers.map { $0["name"] as? String } == ["gui", "algo"])
        for consumer in consumers {
            #expect(consumer["closed"] as? Bool == false, "open when the relay died")
            #expect((consumer["checkpoints"] as? Int ?? 0) > 10)
            #expect(consumer["checkpoints"] as? Int == consumer["agreed"] as? Int)
        }
        #expect((consumers.first?["coalesced"] as? Int ?? 0) + (consumers.first?["dropped"] as? Int ?? 0) > 0)

        let check = try await runTicktape(["check", tape, "--format", "json"])
        let report = try #require(JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any])
        let tapeReport = try #require((report["tapes"] as? [[String: Any]])?.first)
        #expect((tapeReport["violation_counts"] as? [String: Int])?["L1"] == 0, "\(check.stdout.prefix(2000))")
        #expect(check.status == 0, "\(check.stdout.prefix(2000))")
    }

    /// A relay that cannot start says why in one line and leaves nothing behind: a taken port is
    /// exit 3 with no tape and no sent log; an existing tape is exit 2, and the port is free again.
    @Test func aRelayThatCannotStartLeavesNoTapeAndNoSentLog() async throws {
        let dir = temporaryDirectory()
        let taken = try ChildProcess(ticktape: ["simulate", "--port", "0", "--symbols", "1"])
        defer { taken.kill() }
        let line = await taken.firstLine(seconds: 60) ?? ""
        let port = String(line.split(separator: ":").last?.prefix { $0.isNumber } ?? "")
        let arguments = ["ws://127.0.0.1:1/websocket/v1", "--upbit", "ticker:KRW-BTC", "--sent-log", "sent.jsonl"]
        let busy = try await runTicktape(
            ["relay"] + arguments + ["--out", "a.tape", "--listen", "127.0.0.1:\(port)"],
            in: dir
        )
        #expect(busy.status == 3)
        #expect(busy.stderr.hasPrefix("ticktape: cannot listen on 127.0.0.1:\(port)"), "\(busy.stderr)")
        #expect(busy.stderr.split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: dir + "/a.tape"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/sent.jsonl"))

        #expect(FileManager.default.createFile(atPath: dir + "/b.tape", contents: Data()))
        let exists = try await runTicktape(
            ["relay"] + arguments + ["--out", "b.tape", "--listen", "127.0.0.1:0"],
            in: dir
        )
        #expect(exists.status == 2)
        #expect(exists.stderr.contains("b.tape exists already"), "\(exists.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/sent.jsonl"))
    }
}
