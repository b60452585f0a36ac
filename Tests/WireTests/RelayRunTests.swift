import Exchange
import Foundation
import Primitives
import Replay
import Rules
import Simulator
import TapeLog
import Testing
import TicktapeTestSupport
import Upbit

@testable import Wire

/// The relay in-process: the simulator (duplicates, stale snapshots, cuts made by the test) on
/// loopback, a ``RelayRun`` recording it, two in-process consumers (one quick, one slow) and one
/// WebSocket client. Each consumer gets no idempotency key twice and no older epoch after a
/// newer one; the tape reproduces every consumer's deliveries (L1).
@Suite(.timeLimit(.minutes(3))) struct RelayRunTests {
    @Test func consumersGetTheRulesOutputAndTheTapeReproducesEveryOne() async throws {
        let dir = temporaryDirectory()
        var options = ExchangeSimulator.Options()
        options.market.seed = 5
        options.market.symbols = 3
        options.market.rate = 400
        options.market.chaos = try ChaosSpec.parse("dup 0.05; stale-snapshot 0.5; gap 50ms")
        let simulator = try await ExchangeSimulator.bind(options: options)
        let serving = Task(executorPreference: sessionExecutor) { try await simulator.run() }
        defer { serving.cancel() }

        let markets = simulator.market.markets
        var recording = RecordingRun.Configuration(
            path: dir + "/live.tape",
            url: try WebSocketURL(simulator.url),
            subscription: UpbitSubscription.publicStreams(of: markets, ticket: "relay-test").serialized(),
            toolVersion: "test"
        )
        recording.recorder.policy.backoffBaseNanos = 20_000_000
        recording.recorder.policy.backoffCapNanos = 50_000_000
        recording.writer.commitMs = 20
        // On threads of its own (this process's CPU-bound tests keep the cooperative pool busy):
        // the clients' writes, too, run there.
        recording.recorder.executor = sessionExecutor
        var configuration = RelayRun.Configuration(recording: recording)
        configuration.port = 0
        let writers = Locked<Set<Bool>>([])
        configuration.onWritten = { _, _, _ in writers.withLock { _ = $0.insert(sessionExecutor.isCurrent) } }
        // drop-oldest with room to spare: the SNAPSHOTs queued on the request stay first (a
        // coalescing queue may rightly replace one with a newer value of its stream).
        configuration.client = ConsumerSpec(name: "client", capacity: 4096, policy: .dropOldest)
        let relay = try await RelayRun(configuration)

        let quick = try relay.consumer(ConsumerSpec(name: "algo", capacity: 4096, policy: .dropOldest))
        let slow = try relay.consumer(ConsumerSpec(name: "gui", capacity: 4, policy: .coalesce))
        let quickTask = Task(executorPreference: sessionExecutor) { await Self.collect(quick, pause: nil) }
        let slowTask = Task(executorPreference: sessionExecutor) { await Self.collect(slow, pause: .milliseconds(3)) }
        let run = Task(executorPreference: sessionExecutor) { try await relay.run() }
        // The client subscribes once the relay has state to give it SNAPSHOTs of.
        let warm = ContinuousClock.now + .seconds(30)
        while await relay.status().frames < 300, ContinuousClock.now < warm {
            try await Task.sleep(for: .milliseconds(10))
        }
        let clientTask = Task { try await Self.client(port: relay.port, code: markets[0]) }
        // Three cuts, each after the epoch carried data; then a little more, then stop.
        // Each cut waits for the next epoch: a recorder lagging behind still takes in frames of
        // the connection just cut, and a second cut then would hit nothing.
        var cuts = 0
        var lastCut = 0
        var seenAt: (epoch: Int, frames: Int64) = (0, 0)
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
            let status = await relay.status()
            if status.epoch != seenAt.epoch { seenAt = (status.epoch, status.frames) }
            guard status.epoch > lastCut, status.frames >= seenAt.frames + 150 else { continue }
            if cuts == 3 { break }
            simulator.market.cutAll()
            cuts += 1
            lastCut = status.epoch
        }
        relay.stop()
        let summary = try await run.value
        let algo = await quickTask.value
        let gui = await slowTask.value
        let received = try await clientTask.value
        #expect(summary.recording.epochs == 4, "\(summary.recording)")
        #expect(summary.rules.count(.duplicate) > 0, "the simulator sent duplicates")

        // What each consumer got: every key once, epochs never going back.
        for (name, events, least) in [("algo", algo, 200), ("gui", gui, 10)] {
            #expect(events.count > least, "\(name) got \(events.count)")
            var keys = Set<UInt64>()
            var epoch: UInt32 = 0
            for event in events where event.streamType == .realtime {
                #expect(keys.insert(event.idempotencyKey).inserted, "\(name): key delivered twice")
                #expect(event.epoch >= epoch, "\(name): epoch went back")
                epoch = max(epoch, event.epoch)
            }
        }
        let byName = Dictionary(uniqueKeysWithValues: summary.consumers.map { ($0.metrics.name, $0.metrics) })
        #expect((byName["gui"]?.coalesced ?? 0) + (byName["gui"]?.dropped ?? 0) > 0, "the slow consumer fell behind")
        #expect(byName["algo"]?.dropped == 0)
        #expect(byName["algo"]?.delivered == algo.count)
        #expect(byName["gui"]?.delivered == gui.count)
        // The client: SNAPSHOTs of its 2 streams first, then REALTIME, nothing else.
        #expect(received.count > 20)
        #expect(received.prefix(2).allSatisfy { $0.contains(#""stream_type":"SNAPSHOT""#) }, "\(received.prefix(2))")
        #expect(received.allSatisfy { $0.contains(#""code":"\#(markets[0])""#) })
        #expect(byName["client-1"] != nil)
        #expect(writers.withLock { $0 } == [true], "every batch written on the relay's own threads")

        // Live equals replay: every checkpoint of every consumer agrees.
        let reader = try TapeReader(path: relay.path)
        #expect(try TapeVerifier.verify(reader).problems.isEmpty)
        let reproduction = try #require(try RelayReproduction.run(reader))
        #expect(reproduction.failures.isEmpty, "\(reproduction.failures.map(RelayReproduction.explain))")
        #expect(reproduction.consumers.count == 3)
        for consumer in reproduction.consumers {
            #expect(consumer.closed)
            #expect(consumer.checkpoints > 0 && consumer.agreed == consumer.checkpoints)
            #expect(consumer.metrics.digest == byName[consumer.metrics.name]?.digest, "\(consumer.metrics.name)")
        }
    }

    private static func collect(_ consumer: RelayConsumer, pause: Duration?) async -> [MarketEvent] {
        var events: [MarketEvent] = []
        for await delivery in consumer {
            events.append(delivery.event)
            if let pause { try? await Task.sleep(for: pause) }
        }
        return events
    }

    /// A WebSocket client asking for one market's ticker and trade; returns the payloads it got.
    private static func client(port: Int, code: String) async throws -> [String] {
        let connection = try await WebSocketClient.connect(url: try WebSocketURL("ws://127.0.0.1:\(port)/websocket/v1"))
        return try await connection.executeThenClose { inbound, writer in
            try await writer.send(
                text: #"[{"ticket":"t"},{"type":"ticker","codes":["\#(code)"]},{"type":"trade","codes":["\#(code)"]}]"#
            )
            var received: [String] = []
            for try await message in inbound where message.opcode == .binary || message.opcode == .text {
                received.append(String(decoding: message.payload.readableBytesView, as: UTF8.self))
            }
            return received
        }
    }
}
