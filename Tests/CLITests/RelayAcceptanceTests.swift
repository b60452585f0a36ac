import Foundation
import Rules
import Testing
import TicktapeTestSupport
import Upbit
import Wire

/// The relay end to end: `ticktape simulate` with chaos (cuts, duplicates, stale snapshots), a
/// relay recording it (Wire's ``RelayRun``, in-process), and three local clients: a Python
/// `websockets` client as a foreign peer, a slow Python client, and an in-process consumer. Each
/// client's own receipt log passes `check --deliveries`; the tape verifies; `check` passes with
/// L1 (live = replay) for every consumer, the slow one's drops included.
@Suite(.timeLimit(.minutes(4))) struct RelayAcceptanceTests {
    static let peer = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("peers/receipt_client.py").path
    static let peerAvailable: Bool = ServePythonTests.peerAvailable

    @Test(.enabled(if: peerAvailable, "python3 with the websockets package is missing: no foreign client"))
    func everyClientPassesItsOwnCheckAndTheTapeReproducesEveryConsumer() async throws {
        let dir = temporaryDirectory()
        let simulator = try ChildProcess(ticktape: [
            "simulate", "--port", "0", "--symbols", "3", "--rate", "300", "--seed", "21",
            "--chaos", "cut every:2500ms; dup 0.05; stale-snapshot 0.5",
        ])
        defer { simulator.kill() }
        let first = await simulator.firstLine(seconds: 60) ?? ""
        let url = try #require(first.split(separator: " ").last.map(String.init), "simulate said: \(first)")

        let subscription = try UpbitSubscription.shorthand("ticker,trade,orderbook:KRW-BTC,KRW-ETH", ticket: "relay")
        var recording = RecordingRun.Configuration(
            path: dir + "/live.tape",
            url: try WebSocketURL(url),
            subscription: subscription.serialized(),
            toolVersion: "test"
        )
        recording.recorder.policy.backoffBaseNanos = 50_000_000
        recording.recorder.policy.backoffCapNanos = 200_000_000
        // The relay and the in-process client run on threads of their own: this process's
        // CPU-bound tests must not hold up their reads and writes.
        recording.recorder.executor = sessionExecutor
        var configuration = RelayRun.Configuration(recording: recording)
        configuration.port = 0
        configuration.client = ConsumerSpec(name: "client", capacity: 32, policy: .coalesce)
        configuration.sentLog = dir + "/sent.jsonl"
        configuration.socketSendBufferSize = 4096
        configuration.drainNanos = 15_000_000_000
        let relay = try await RelayRun(configuration)
        let run = Task(executorPreference: sessionExecutor) { try await relay.run() }

        // The in-process client: logs every delivery's payload as received upstream.
        let inProcess = try relay.consumer(ConsumerSpec(name: "inproc", capacity: 256, policy: .dropOldest))
        let inProcessLog = dir + "/inproc.jsonl"
        let logged = Task(executorPreference: sessionExecutor) {
            var lines = ""
            for await delivery in inProcess { lines += String(decoding: delivery.payload, as: UTF8.self) + "\n" }
            try? lines.write(toFile: inProcessLog, atomically: true, encoding: .utf8)
        }
        let relayURL = "ws://127.0.0.1:\(relay.port)/websocket/v1"
        let common = ["--codes", "KRW-BTC,KRW-ETH", "--seconds", "60"]
        // The slow client connects first (it is client-1), then the fast one (client-2).
        async let slow = runProcess(
            "python3",
            [Self.peer, relayURL, "--log", dir + "/slow.jsonl", "--slow-ms", "10", "--format", "SIMPLE"] + common,
            seconds: 90
        )
        try await Self.waitForSubscribedClients(1, relay)
        async let fast = runProcess(
            "python3",
            [Self.peer, relayURL, "--log", dir + "/fast.jsonl"] + common,
            seconds: 90
        )
        // Both subscribed (Python starts slowly on a loaded machine), then long enough for three
        // cuts with data between them, then a clean stop: the relay drains its consumers and
        // closes them, which ends the clients.
        try await Self.waitForSubscribedClients(2, relay)
        try await Task.sleep(for: .seconds(9))
        relay.stop()
        let summary = try await run.value
        let (fastRun, slowRun) = try await (fast, slow)
        await logged.value
        #expect(fastRun.status == 0, "\(fastRun.stderr)")
        #expect(slowRun.status == 0, "\(slowRun.stderr)")
        #expect(summary.recording.epochs >= 3, "\(summary.recording)")
        #expect(summary.rules.count(.duplicate) > 0)
        let byName = Dictionary(uniqueKeysWithValues: summary.consumers.map { ($0.metrics.name, $0.metrics) })
        let slowConsumer = try #require(byName["client-1"])
        let fastConsumer = try #require(byName["client-2"])
        #expect(slowConsumer.dropped + slowConsumer.coalesced > 0, "the slow client fell behind: \(slowConsumer)")
        #expect(fastConsumer.delivered > 0)

        // The tape verifies, and check passes with L1 for the three consumers.
        let tape = relay.path
        let verify = try await runTicktape(["verify", tape])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        let check = try await runTicktape(["check", tape, "--format", "json"])
        #expect(check.status == 0, "\(check.stdout.prefix(2000))")
        let report = try #require(JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any])
        let tapeReport = try #require((report["tapes"] as? [[String: Any]])?.first)
        #expect((tapeReport["violation_counts"] as? [String: Int])?["L1"] == 0)
        let notes = tapeReport["notes"] as? [String] ?? []
        #expect(
            notes.contains { $0.hasPrefix("L1: relay tape, 3 live consumers") && $0.contains("0 differing") },
            "\(notes)"
        )
        let asRecorded = try await runTicktape(["replay", tape, "--as-recorded"])
        #expect(asRecorded.status == 0, "\(asRecorded.stdout)")
        #expect(asRecorded.stdout.contains("L1 holds"))

        // Each client's own receipt log passes C1–C5 (the Python clients against the sent log).
        for (log, sent) in [("fast.jsonl", true), ("slow.jsonl", true), ("inproc.jsonl", false)] {
            var arguments = ["check", tape, "--deliveries", dir + "/" + log]
            if sent { arguments += ["--sent-log", dir + "/sent.jsonl"] }
            let result = try await runTicktape(arguments)
            let lines =
                (try? String(contentsOfFile: dir + "/" + log, encoding: .utf8))?.split(separator: "\n").count ?? 0
            #expect(
                result.status == 0,
                "\(log) (\(lines) lines; \(summary.consumers.map { "\($0.metrics.name) \($0.metrics.delivered)" })): \(result.stdout.prefix(3000))"
            )
            #expect(lines > 50, "\(log) has \(lines) lines")
        }
    }

    /// Waits (at most 60 s) until `count` WebSocket clients have made their first request.
    private static func waitForSubscribedClients(_ count: Int, _ relay: RelayRun) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let subscribed = relay.hub.consumers().filter {
                $0.metrics.name.hasPrefix("client-") && $0.metrics.offered > 0
            }
            if subscribed.count >= count { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("\(count) clients did not subscribe within 60 s")
    }
}
