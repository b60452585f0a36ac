import Foundation
import NIOCore
import NIOWebSocket
import Primitives
import TapeLog
import Testing
import TicktapeTestSupport
import Upbit

@testable import Wire

@Suite(.timeLimit(.minutes(3))) struct RecordingRunTests {
    private let subscription = Array(#"[{"ticket":"t"},{"type":"trade","codes":["KRW-BTC"]}]"#.utf8)

    /// What one connection of a ``FeedServer`` received first and sent, in order.
    struct Sent: Sendable {
        var connection: Int
        var firstInbound: [UInt8]
        var messages: [[UInt8]] = []
    }

    @Test func aServerThatClosesThreeTimesGivesFourCleanEpochsWithEveryFrameByteIdentical() async throws {
        let perConnection = 25
        let connections = Locked(0)
        let sent = Collector<Sent>()
        let handler = ClosureHandler { _, inbound, writer in
            let number = connections.withLock {
                $0 += 1
                return $0
            }
            var iterator = inbound.makeAsyncIterator()
            guard let first = try await iterator.next() else { return }
            var record = Sent(connection: number, firstInbound: Array(first.payload.readableBytesView))
            var random = SystemRandomNumberGenerator()
            for index in 0..<perConnection {
                let payload: [UInt8]
                switch index % 5 {
                case 0:  // a fragmented binary message: the tape keeps the reassembled bytes
                    let head = Array(#"{"type":"trade","part":"#.utf8)
                    let tail = Array("\(number)-\(index)}".utf8)
                    try await writer.write(fin: false, opcode: .binary, data: ByteBuffer(bytes: head))
                    try await writer.write(fin: true, opcode: .continuation, data: ByteBuffer(bytes: tail))
                    payload = head + tail
                case 1:  // arbitrary bytes, not UTF-8
                    payload = (0..<(1 + index * 7)).map { _ in UInt8.random(in: 0...255, using: &random) }
                    try await writer.send(binary: ByteBuffer(bytes: payload))
                case 2:
                    payload = []
                    try await writer.send(binary: ByteBuffer())
                default:
                    payload = Array(#"{"type":"ticker","code":"KRW-BTC","n":"\#(number).\#(index)"}"#.utf8)
                    try await writer.send(text: ByteBuffer(bytes: payload))
                }
                record.messages.append(payload)
            }
            await sent.append(record)
            if number <= 3 { try await writer.close(code: 4000 + UInt16(number), reason: "cut \(number)") }
            while try await iterator.next() != nil {}  // until the client's close (echo or its own)
        }
        let path = temporaryTapePath()
        let expectedFrames = Int64(3 * (1 + perConnection + 2) + 1 + perConnection)
        let summary = try await withServer(handler: handler) { port in
            let session = try RecordingRun(fastSession(path: path, port: port))
            return try await runSession(session) {
                let status = await session.status()
                return status.epoch == 4 && status.frames >= expectedFrames
            }
        }
        #expect(summary.epochs == 4)
        #expect(summary.stopReason == .stopped)
        #expect(summary.recorderFinished)

        let reader = try TapeReader(path: path)
        let report = try TapeVerifier.verify(reader)
        #expect(report.problems.isEmpty, "\(report.problems)")
        #expect(!report.tornTail)
        #expect(report.epochs == 4)
        #expect(reader.session.subscription == String(decoding: subscription, as: UTF8.self))
        #expect(summary.frames == report.frames)

        let entries = try reader.allEntries()
        let byConnection = await sent.values.sorted { $0.connection < $1.connection }
        try #require(byConnection.map(\.connection) == [1, 2, 3, 4])  // indexed below
        for epoch in 1...4 {
            let server = byConnection[epoch - 1]
            #expect(server.firstInbound == subscription, "epoch \(epoch): the server got the subscription first")
            let inEpoch = entries.filter { entry in
                switch entry {
                case .frame(let frame): frame.record.epoch == UInt32(epoch)
                case .event(let event): event.epoch == UInt32(epoch) && event.kind != .sessionEnd
                }
            }
            guard case .event(let opening) = inEpoch.first, opening.kind == .connect else {
                Issue.record("epoch \(epoch) must open with its connect event: \(String(describing: inEpoch.first))")
                continue
            }
            let frames = inEpoch.compactMap { entry -> FrameRecord? in
                if case .frame(let frame) = entry { return frame.record }
                return nil
            }
            #expect(frames.first?.direction == .outbound)
            #expect(frames.first?.payload == subscription, "epoch \(epoch): the subscription is the first frame")
            #expect(frames.map(\.seq) == Array(1...UInt64(frames.count)), "epoch \(epoch): seq contiguous")
            let data = frames.filter { $0.direction == .inbound && $0.opcode.isData }
            #expect(data.map(\.payload) == server.messages, "epoch \(epoch): every frame byte-identical")
            #expect(data.first?.fragments == 2)
            if epoch <= 3 {
                let close = frames.first { $0.direction == .inbound && $0.opcode == FrameOpcode.close }
                #expect(close.map { Array($0.payload.prefix(2)) } == [0x0F, UInt8(0xA0 + epoch)])
                let disconnect = inEpoch.compactMap { entry -> LifecycleRecord? in
                    if case .event(let event) = entry, event.kind == .disconnect { return event }
                    return nil
                }
                #expect(disconnect.first?.closeCode == Int64(4000 + epoch))
            }
        }
        guard case .event(let last) = entries.last else {
            Issue.record("the tape must end with session_end")
            return
        }
        #expect(last.kind == .sessionEnd)
    }

    @Test func maxFramesAndDurationStopTheSessionByThemselves() async throws {
        // A burst, then silence with the connection open until the client closes: nothing but
        // the session's own limits can end a recording before `runSession`'s bound (which would
        // stop it as `.stopped` and record an issue).
        let handler = ClosureHandler { _, inbound, writer in
            for index in 0..<200 { try await writer.send(text: "frame \(index)") }
            for try await _ in inbound {}  // answers the client's close
        }
        let limited = temporaryTapePath()
        let timed = temporaryTapePath()
        try await withServer(handler: handler) { port in
            var configuration = fastSession(path: limited, port: port)
            configuration.maxFrames = 40
            let summary = try await runSession(try RecordingRun(configuration)) { false }
            #expect(summary.stopReason == .maxFrames)
            #expect(summary.frames >= 40)  // how far past the limit the close handshake lets it go is scheduling

            configuration = fastSession(path: timed, port: port)
            configuration.durationNanos = 200_000_000
            let timedSummary = try await runSession(try RecordingRun(configuration)) { false }
            #expect(timedSummary.stopReason == .duration)
            #expect(timedSummary.durationNanos >= 200_000_000)
        }
        for path in [limited, timed] {
            let report = try TapeVerifier.verify(TapeReader(path: path))
            #expect(report.problems.isEmpty && !report.tornTail, "\(path): \(report.problems)")
        }
    }

    @Test func anExistingTapeIsRefusedBeforeAnythingConnects() async throws {
        let path = temporaryTapePath()
        _ = FileManager.default.createFile(atPath: path, contents: Data("keep me".utf8))
        let url = try WebSocketURL("ws://127.0.0.1:9/websocket/v1")
        let configuration = RecordingRun.Configuration(
            path: path,
            url: url,
            subscription: subscription,
            toolVersion: "test"
        )
        #expect(throws: RecordingError.self) { try RecordingRun(configuration) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data("keep me".utf8))
    }

    @Test func thePrivateEndpointIsChosenOnlyForUpbitsPublicPath() throws {
        let rewritten = UpbitCredentials.privateEndpoint(for: try WebSocketURL("wss://api.upbit.com/websocket/v1"))
        #expect(rewritten.pathAndQuery == "/websocket/v1/private")
        let query = UpbitCredentials.privateEndpoint(for: try WebSocketURL("ws://h:1/websocket/v1?x=1"))
        #expect(query.pathAndQuery == "/websocket/v1/private?x=1")
        let other = UpbitCredentials.privateEndpoint(for: try WebSocketURL("ws://h:1/feed"))
        #expect(other.pathAndQuery == "/feed")
        #expect(throws: RecordingError.self) { try UpbitCredentials.fromEnvironment(["UPBIT_ACCESS_KEY": "a"]) }
    }
}

/// A session against `127.0.0.1:port` with millisecond backoff (tests wait for real events).
/// The close timeout is long because every test server answers a close: a stop ends on that
/// reply, and the session's stop bound (close timeout + 1 s) must not run out on a loaded
/// machine before it comes (``RecordingRunStopBoundTests`` sets its own short one).
func fastSession(path: String, port: Int) -> RecordingRun.Configuration {
    var configuration = RecordingRun.Configuration(
        path: path,
        url: try! WebSocketURL("ws://127.0.0.1:\(port)/websocket/v1"),
        subscription: Array(#"[{"ticket":"t"},{"type":"trade","codes":["KRW-BTC"]}]"#.utf8),
        toolVersion: "test"
    )
    configuration.recorder.policy.backoffBaseNanos = 1_000_000
    configuration.recorder.policy.backoffCapNanos = 5_000_000
    configuration.recorder.closeTimeoutNanos = 60_000_000_000
    configuration.writer.commitMs = 10
    return configuration
}

/// Runs `session` until `done` holds (then stops it) or it stops by itself; bounded by 60 s (a
/// safety net for a broken test, far above what a loaded machine needs).
func runSession(
    _ session: RecordingRun,
    until done: @escaping @Sendable () async -> Bool
) async throws -> RecordingRun.Summary {
    let finished = Locked(false)
    let task = Task {
        defer { finished.withLock { $0 = true } }
        return try await session.run()
    }
    let deadline = ContinuousClock.now + .seconds(60)
    while !finished.withLock({ $0 }), await !done() {
        guard ContinuousClock.now < deadline else {
            Issue.record("the session did not reach its condition within 60 s")
            break
        }
        try await Task.sleep(for: .milliseconds(5))
    }
    session.stop()
    return try await task.value
}

/// A fresh tape path in a fresh temporary directory (in the test process's temp root, removed at
/// exit).
func temporaryTapePath() -> String { temporaryDirectory() + "/session.tape" }

@Suite(.timeLimit(.minutes(3))) struct RecordingRunStopBoundTests {
    @Test func aConnectThatNeverCompletesCannotHoldTheStopHostage() async throws {
        // A listener that never accepts: TCP connects (the kernel's backlog), the upgrade
        // request is never answered, so the recorder sits in its connect attempt.
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #expect(listener >= 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(listener, raw, length) == 0 && listen(listener, 4) == 0
                    && getsockname(listener, raw, &length) == 0
            }
        }
        try #require(bound)
        let port = Int(UInt16(bigEndian: address.sin_port))

        let path = temporaryTapePath()
        var configuration = fastSession(path: path, port: port)
        configuration.durationNanos = 100_000_000
        configuration.recorder.closeTimeoutNanos = 100_000_000
        let summary = try await RecordingRun(configuration).run()
        #expect(!summary.recorderFinished)
        #expect(summary.stopReason == .duration)
        #expect(summary.epochs == 0)
        let reader = try TapeReader(path: path)
        let report = try TapeVerifier.verify(reader)
        #expect(report.problems.isEmpty && !report.tornTail, "\(report.problems)")
        let end = try reader.events().last
        #expect(end?.kind == .sessionEnd)
        #expect(end?.detail?.contains("did not stop") == true)
    }
}
