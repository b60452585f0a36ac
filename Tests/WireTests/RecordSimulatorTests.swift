import Foundation
import Primitives
import Replay
import Simulator
import TapeLog
import Testing
import Upbit

@testable import Wire

/// The record issue's end-to-end proof: the simulated exchange, cutting every connection on a
/// schedule, recorded by ``RecordingRun`` over loopback, and the tape compared with the
/// simulator's truth log frame by frame.
@Suite struct RecordSimulatorTests {
    @Test func threeCutsGiveFourEpochsHoldingExactlyWhatTheExchangeSent() async throws {
        let tapePath = temporaryTapePath()
        let truthPath = (tapePath as NSString).deletingLastPathComponent + "/truth.jsonl"
        var options = ExchangeSimulator.Options()
        options.market.seed = 11
        options.market.symbols = 3
        options.market.rate = 600
        // The cuts are made by the test (below), each once its epoch has carried data: cuts on the
        // simulator's clock (`cut every:600ms` here before) can land before a slow reconnect on a
        // loaded machine, and the session then never sees four epochs with data. The chaos spec
        // still gives the gap after each cut.
        options.market.chaos = try ChaosSpec.parse("gap 100ms")
        options.truthPath = truthPath
        let simulator = try await ExchangeSimulator.bind(options: options)
        let serving = Task { try await simulator.run() }

        let subscription = UpbitSubscription.publicStreams(of: simulator.market.markets, ticket: "record-simulator")
            .serialized()
        var configuration = RecordingRun.Configuration(
            path: tapePath,
            url: try WebSocketURL(simulator.url),
            subscription: subscription,
            toolVersion: "test"
        )
        // Reconnect quickly after each cut: the gap refuses upgrades (503) for 100 ms, and the
        // default backoff (0.5 s doubling) would only slow the test down.
        configuration.recorder.policy.backoffBaseNanos = 30_000_000
        configuration.recorder.policy.backoffCapNanos = 100_000_000
        configuration.writer.commitMs = 10
        let session = try RecordingRun(configuration)
        // Four epochs (three cuts), each carrying data before it is cut, the fourth before we stop.
        // The epoch last seen, the frame count when it was first seen, and whether it was cut.
        let mark = Locked<(epoch: Int, frames: Int64, cut: Bool)>((0, 0, false))
        let summary: RecordingRun.Summary
        do {
            summary = try await runSession(session) {
                let status = await session.status()
                let shouldCut = mark.withLock { mark -> Bool? in
                    if mark.epoch != status.epoch { mark = (status.epoch, status.frames, false) }
                    guard status.epoch >= 1, status.frames >= mark.frames + 20 else { return false }
                    if status.epoch >= 4 { return nil }
                    defer { mark.cut = true }
                    return !mark.cut
                }
                guard let shouldCut else { return true }
                if shouldCut { simulator.market.cutAll() }
                return false
            }
        } catch {
            serving.cancel()
            _ = try? await serving.value
            throw error
        }
        serving.cancel()
        _ = try? await serving.value  // closes (and flushes) the truth file
        #expect(summary.epochs == 4, "\(summary)")

        // The tape: verified, four epochs, each opened by its connect event with the
        // subscription as its first frame.
        let reader = try TapeReader(path: tapePath)
        let report = try TapeVerifier.verify(reader)
        #expect(report.problems.isEmpty, "\(report.problems)")
        #expect(!report.tornTail)
        #expect(report.framesLost == 0)
        #expect(report.epochs == 4)
        let entries = try reader.allEntries()
        var inbound: [Int: [String]] = [:]
        for epoch in 1...4 {
            let inEpoch = entries.filter { $0.epoch == UInt32(epoch) && $0.kind != .sessionEnd }
            guard case .event(let opening) = inEpoch.first, opening.kind == .connect else {
                Issue.record("epoch \(epoch) must open with its connect event: \(String(describing: inEpoch.first))")
                continue
            }
            let frames = inEpoch.compactMap(\.frame)
            #expect(frames.first?.direction == .outbound)
            #expect(frames.first?.payload == subscription, "epoch \(epoch): the subscription is the first frame")
            #expect(frames.map(\.seq) == Array(1...UInt64(frames.count)), "epoch \(epoch): seq contiguous")
            if epoch < 4 {
                // The cut closed TCP with no close frame: the epoch ends with a disconnect event
                // without a close code, and no inbound close frame.
                let disconnect = inEpoch.compactMap(\.event).first { $0.kind == .disconnect }
                #expect(
                    disconnect != nil && disconnect?.closeCode == nil,
                    "epoch \(epoch): \(String(describing: disconnect))"
                )
                #expect(!frames.contains { $0.opcode == FrameOpcode.close }, "epoch \(epoch) ended by a cut")
            }
            inbound[epoch] =
                frames
                .filter { $0.direction == .inbound && $0.opcode.isData }
                .map { Primitives.SHA256.hex(Primitives.SHA256.hash($0.payload)) }
        }

        // The truth: every data frame the exchange wrote, per connection in write order. With
        // one recorder, connection k is the tape's epoch k; nothing else connected. (The truth's
        // own `epoch` is the simulator's cut count, which a slow reconnect may skip ahead of.)
        let truth = try TruthLine.read(truthPath)
        #expect(Set(truth.map(\.conn)) == [1, 2, 3, 4])
        for epoch in 1...4 {
            let sent = truth.filter { $0.conn == epoch }
            #expect(sent.map(\.index) == Array(sent.indices.map { $0 + 1 }), "connection \(epoch): index 1, 2, 3 …")
            let recorded = inbound[epoch] ?? []
            #expect(!sent.isEmpty, "epoch \(epoch) carried data")
            // Byte-identical, in order, nothing missing and nothing extra.
            let truthDigests = sent.map(\.sha256)
            let same = Self.commonPrefix(truthDigests, recorded)
            #expect(
                same == truthDigests.count && same == recorded.count,
                "epoch \(epoch): truth \(sent.count) frames, tape \(recorded.count), identical up to \(same)"
            )
        }
    }

    private static func commonPrefix(_ a: [String], _ b: [String]) -> Int {
        zip(a, b).prefix { $0 == $1 }.count
    }
}

/// One line of the simulator's truth log (``ExchangeTruthLog``).
struct TruthLine: Decodable, Equatable {
    var conn: Int
    var epoch: Int
    var index: Int
    var type: String
    var code: String?
    var stream_type: String?
    var bytes: Int
    var sha256: String

    static func read(_ path: String) throws -> [TruthLine] {
        let decoder = JSONDecoder()
        return try String(contentsOfFile: path, encoding: .utf8)
            .split(separator: "\n")
            .map { try decoder.decode(TruthLine.self, from: Data($0.utf8)) }
    }
}

extension TapeEntry {
    fileprivate var epoch: UInt32 {
        switch self {
        case .frame(let frame): frame.record.epoch
        case .event(let event): event.epoch
        }
    }

    fileprivate var kind: LifecycleKind? {
        if case .event(let event) = self { return event.kind }
        return nil
    }

    fileprivate var event: LifecycleRecord? {
        if case .event(let event) = self { return event }
        return nil
    }

    fileprivate var frame: FrameRecord? {
        if case .frame(let frame) = self { return frame.record }
        return nil
    }
}
