import Cluster
import Foundation
import Primitives
import Simulator
import TapeLog
import Testing
import TicktapeTestSupport
import Upbit
import Wire

/// Recording into a 3-node JetStream cluster that loses one node, then all of them: the
/// recording never waits, and the stream ends up holding the tape exactly, each unit once.
@Suite(.serialized, .timeLimit(.minutes(6))) struct PublishPullTests {
    @Test func theStreamEqualsTheLocalTapeAfterOneNodeAndThenAllNodesWereDown() async throws {
        let cluster = try NATSCluster()
        let dir = temporaryDirectory()
        let tape = dir + "/local.tape"
        var options = ExchangeSimulator.Options()
        options.market.seed = 23
        options.market.symbols = 3
        options.market.rate = 300
        let simulator = try await ExchangeSimulator.bind(options: options)
        let serving = Task { try await simulator.run() }
        defer { serving.cancel() }
        let subscription = UpbitSubscription.publicStreams(of: simulator.market.markets, ticket: "cluster").serialized()
        var configuration = RecordingRun.Configuration(
            path: tape,
            url: try WebSocketURL(simulator.url),
            subscription: subscription,
            toolVersion: "test"
        )
        configuration.writer.commitMs = 20
        let recording = try RecordingRun(configuration)
        let running = Task { try await recording.run() }
        let deadline = ContinuousClock.now + .seconds(120)
        func until(_ what: String, _ condition: () async -> Bool) async throws {
            while await !condition() {
                guard ContinuousClock.now < deadline else {
                    Issue.record("timed out waiting for \(what)")
                    throw NATSClusterError("timed out waiting for \(what)")
                }
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        var publishing = TapePublisher.Configuration(servers: cluster.servers, stream: "TT", recorder: "rec-1")
        publishing.ackWaitMs = 2000
        let publisher: TapePublisher
        do {
            try await until("the first frames") { await recording.status().frames > 0 }
            publisher = try TapePublisher(tape: tape, configuration: publishing)
            publisher.start()
            try await until("the first acks") { publisher.stats.acked >= 10 }

            // One node down (SIGKILL) and back: the others keep a quorum.
            cluster.kill(0)
            let acked = publisher.stats.acked
            try await until("acks without node 1") { publisher.stats.acked >= acked + 10 }
            try cluster.start(0)

            // Every node down: the recording goes on, the publisher waits and resends.
            let before = await recording.status().frames
            cluster.killAll()
            try await until("frames recorded while the cluster is down") {
                await recording.status().frames >= before + 300
            }
            try cluster.startAll()
        } catch {
            recording.stop()
            _ = try? await running.value
            throw error
        }
        recording.stop()
        let summary = try await running.value
        #expect(summary.epochs == 1)
        let stats = publisher.stop(drainNanos: 90_000_000_000)
        #expect(stats.unacked == 0, "\(stats)")
        // Every unit read from the tape (blocks, events, the session) acked exactly once.
        #expect(stats.acked == stats.blocks + stats.events + 1, "\(stats)")

        // The stream, read back: every unit once, and the tape frame for frame.
        let recordings = try StreamPull.fetch(
            servers: cluster.servers,
            stream: "TT",
            recorder: "rec-1",
            timeoutMs: 120_000
        )
        try #require(recordings.count == 1)
        let pulled = recordings[0]
        #expect(pulled.repeats == 0, "a unit stored twice: the duplicate window failed")
        let copy = dir + "/pulled.tape"
        _ = try StreamPull.write(pulled, to: copy, profile: UpbitProfile())
        let local = try TapeReader(path: tape)
        let remote = try TapeReader(path: copy)
        #expect(remote.session == local.session)
        let localEntries = try local.allEntries()
        let remoteEntries = try remote.allEntries()
        #expect(localEntries.count == remoteEntries.count)
        #expect(localEntries == remoteEntries, "frame for frame")
        #expect(try TapeVerifier.verify(remote).problems.isEmpty)
    }
}
