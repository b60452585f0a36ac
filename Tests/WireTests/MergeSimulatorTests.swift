import Exchange
import Foundation
import Primitives
import Replay
import Simulator
import TapeLog
import Testing
import TicktapeTestSupport
import Upbit

@testable import Wire

/// The merge issue's end-to-end proof: two recorders of one chaos simulator, each cut at its own
/// moment, merged; the merged tape compared with the simulator's truth log, and the coverage
/// report compared with the recordings' own connections.
@Suite struct MergeSimulatorTests {
    @Test func twoRecordersCutAtDifferentMomentsMergeIntoEverythingSentToEither() async throws {
        let dir = temporaryDirectory()
        let pathA = dir + "/a.tape"
        let pathB = dir + "/b.tape"
        let truthPath = dir + "/truth.jsonl"
        var options = ExchangeSimulator.Options()
        options.market.seed = 17
        options.market.symbols = 3
        options.market.rate = 600
        // Per-connection duplicates: each recording then holds some keys twice on its own.
        options.market.chaos = try ChaosSpec.parse("dup 0.02")
        options.truthPath = truthPath
        let simulator = try await ExchangeSimulator.bind(options: options)
        let serving = Task { try await simulator.run() }

        let subscription = UpbitSubscription.publicStreams(of: simulator.market.markets, ticket: "merge-simulator")
            .serialized()
        func recorder(_ path: String) throws -> RecordingRun {
            var configuration = RecordingRun.Configuration(
                path: path,
                url: try WebSocketURL(simulator.url),
                subscription: subscription,
                toolVersion: "test"
            )
            configuration.recorder.policy.backoffBaseNanos = 30_000_000
            configuration.recorder.policy.backoffCapNanos = 100_000_000
            configuration.writer.commitMs = 10
            return try RecordingRun(configuration)
        }
        let a = try recorder(pathA)
        let b = try recorder(pathB)
        let deadline = ContinuousClock.now + .seconds(60)
        /// Waits until `run`'s status satisfies `condition`; false after the deadline.
        func wait(_ run: RecordingRun, _ condition: @escaping (RecordingRun.Status) -> Bool) async throws -> Bool {
            while ContinuousClock.now < deadline {
                if condition(await run.status()) { return true }
                try await Task.sleep(for: .milliseconds(5))
            }
            return false
        }
        let runA = Task { try await a.run() }
        var runB: Task<RecordingRun.Summary, any Error>?
        do {
            // A alone for a while; then B; then A is cut (B stays), then B is cut (A stays); then A
            // stops and B goes on alone before it stops too.
            try #require(try await wait(a) { $0.epoch == 1 && $0.frames >= 20 })
            runB = Task { try await b.run() }
            try #require(try await wait(b) { $0.epoch == 1 && $0.frames >= 20 })
            simulator.market.cutOne(oldest: true)  // A: the connection listening longest
            let framesA = await a.status().frames
            try #require(try await wait(a) { $0.epoch == 2 && $0.frames >= framesA + 20 })
            let framesB = await b.status().frames
            try #require(try await wait(b) { $0.frames >= framesB + 20 })
            simulator.market.cutOne(oldest: true)  // now B's first connection
            let framesB2 = await b.status().frames
            try #require(try await wait(b) { $0.epoch == 2 && $0.frames >= framesB2 + 20 })
            a.stop()
            _ = try await runA.value
            let framesB3 = await b.status().frames
            try #require(try await wait(b) { $0.frames >= framesB3 + 20 })
            b.stop()
        } catch {
            a.stop()
            b.stop()
            _ = try? await runA.value
            _ = try? await runB?.value
            serving.cancel()
            _ = try? await serving.value
            throw error
        }
        let summaryA = try await runA.value
        let summaryB = try await runB?.value
        serving.cancel()
        _ = try? await serving.value  // closes (and flushes) the truth file
        #expect(summaryA.epochs == 2 && summaryB?.epochs == 2)

        // The recordings are exact: together they hold every data frame the truth says was sent.
        let truth = try TruthLine.read(truthPath)
        let recordedA = try Self.inbound(pathA)
        let recordedB = try Self.inbound(pathB)
        #expect(truth.map(\.sha256).sorted() == (recordedA + recordedB).map(\.sha256).sorted())
        var keyOfDigest: [String: UInt64] = [:]
        for frame in recordedA + recordedB { keyOfDigest[frame.sha256] = frame.key }

        // The merge: every frame the truth says was sent to either, each key once.
        let out = dir + "/m.tape"
        let report = try TapeMerger.merge([pathA, pathB], out: out, toolVersion: "test", profile: UpbitProfile())
        #expect(report.conflicts.isEmpty)
        let merged = try Self.inbound(out)
        let mergedKeys = merged.compactMap(\.key)
        #expect(Set(mergedKeys).count == mergedKeys.count, "each key once")
        let truthDigests = Set(truth.map(\.sha256))
        #expect(merged.allSatisfy { truthDigests.contains($0.sha256) }, "nothing the exchange did not send")
        let missing = truth.filter { line in
            guard let key = keyOfDigest[line.sha256] else { return false }
            return !Set(mergedKeys).contains(key)
        }
        #expect(missing.isEmpty, "sent but not merged: \(missing.prefix(3))")
        #expect(merged.filter { $0.key == nil }.count == (recordedA + recordedB).filter { $0.key == nil }.count)
        let reader = try TapeReader(path: out)
        #expect(try TapeVerifier.verify(reader).problems.isEmpty)
        #expect(try TapeMerger.provenance(of: reader).count == merged.count)

        // Coverage: exactly the gaps the recordings' own connections leave, all covered.
        let t0 = (recordedA + recordedB).map(\.recvNs).min() ?? 0
        let t1 = (recordedA + recordedB).map(\.recvNs).max() ?? 0
        let spansA = try Self.spans(pathA)
        let spansB = try Self.spans(pathB)
        try #require(spansA.count == 2 && spansB.count == 2)
        let expected: [(Int, MergeGap.Kind, Int64, Int64)] = [
            (1, .reconnect, spansA[0].end, spansA[1].start),
            (1, .afterEnd, spansA[1].end, t1),
            (2, .beforeStart, t0, spansB[0].start),
            (2, .reconnect, spansB[0].end, spansB[1].start),
        ]
        #expect(report.gaps.count == expected.count, "\(report.gaps)")
        for (gap, want) in zip(report.gaps, expected) {
            #expect(gap.source == want.0 && gap.kind == want.1 && gap.fromNs == want.2 && gap.toNs == want.3, "\(gap)")
            #expect(gap.covered, "\(gap)")
        }
        // A stopped while B went on, and A ran alone before B began: those gaps carry B's and A's data.
        #expect(report.gaps.filter { $0.kind != .reconnect }.allSatisfy { $0.frames >= 10 }, "\(report.gaps)")

        // A third source holding one of A's trades with a different payload: a reported conflict.
        let trade = try #require(
            Self.frames(pathA).first { $0.facts.type == "trade" && $0.facts.idempotencyKey != nil }
        )
        var altered = trade.record
        let price = Array("\"trade_price\":".utf8)
        let at = try #require(Self.find(price, in: altered.payload)) + price.count
        altered.payload[at] = altered.payload[at] == UInt8(ascii: "9") ? UInt8(ascii: "1") : altered.payload[at] + 1
        let pathC = dir + "/c.tape"
        let writer = try TapeWriter(
            path: pathC,
            session: SessionInfo(toolVersion: "test", url: "ws://elsewhere/websocket/v1", startedNs: altered.recvNs),
            profile: UpbitProfile()
        )
        let late = altered.recvNs + 60_000_000_000
        try writer.record(LifecycleRecord(kind: .connect, epoch: 1, afterSeq: 0, wallNs: late, monoNs: 0))
        try writer.append(
            FrameRecord(
                epoch: 1,
                seq: 1,
                direction: .inbound,
                opcode: altered.opcode,
                recvNs: late,
                monoNs: 60_000_000_000,
                payload: altered.payload
            )
        )
        try writer.close()
        let withC = try TapeMerger.merge(
            [pathA, pathB, pathC],
            out: dir + "/m3.tape",
            toolVersion: "test",
            profile: UpbitProfile()
        )
        #expect(withC.frames == report.frames)
        #expect(withC.conflicts.count == 1)
        // Whichever copy came first in event order stays; the conflict names both.
        let sides = withC.conflicts.first.map { [$0.kept, $0.other] } ?? []
        #expect(sides.contains(FrameOrigin(source: 3, epoch: 1, seq: 1)), "\(withC.conflicts)")
        #expect(sides.contains { $0.source != 3 }, "\(withC.conflicts)")
        #expect(withC.conflicts.first?.key == trade.facts.idempotencyKey.map { TapeMerger.hex($0) })
    }

    struct Inbound {
        var sha256: String
        var key: UInt64?
        var recvNs: Int64
    }

    static func frames(_ path: String) throws -> [TapeFrame] {
        try TapeReader(path: path).allEntries().compactMap { entry -> TapeFrame? in
            guard case .frame(let f) = entry, f.record.direction == .inbound, f.record.opcode.isData else { return nil }
            return f
        }
    }

    /// Inbound data frames in (epoch, seq) order: digest, key, receive time.
    static func inbound(_ path: String) throws -> [Inbound] {
        try frames(path).map {
            Inbound(
                sha256: Primitives.SHA256.hex(Primitives.SHA256.hash($0.record.payload)),
                key: $0.facts.idempotencyKey,
                recvNs: $0.record.recvNs
            )
        }
    }

    /// Each connection's wall-clock span: its connect, to its disconnect or the session's end.
    static func spans(_ path: String) throws -> [(start: Int64, end: Int64)] {
        let events = try TapeReader(path: path).events()
        return events.filter { $0.kind == .connect }.map { connect in
            let end = events.first {
                $0.epoch == connect.epoch && ($0.kind == .disconnect || $0.kind == .sessionEnd)
            }
            return (connect.wallNs, end?.wallNs ?? connect.wallNs)
        }
    }

    static func find(_ needle: [UInt8], in bytes: [UInt8]) -> Int? {
        guard bytes.count >= needle.count else { return nil }
        return (0...(bytes.count - needle.count)).first { bytes[$0..<($0 + needle.count)].elementsEqual(needle) }
    }
}
