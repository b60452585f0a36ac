import Foundation
import NIOCore
import Primitives
import TapeLog
import Testing
import TicktapeTestSupport
import Wire

@Suite(.timeLimit(.minutes(3))) struct RecordCommandTests {
    private func arguments(port: Int, out: String, _ extra: [String] = []) -> [String] {
        ["record", "ws://127.0.0.1:\(port)/websocket/v1", "--out", out, "--upbit", "trade:KRW-BTC"] + extra
    }

    /// The counts in the summary line, or nil when it is not exactly one summary line.
    private func summary(_ stdout: String) -> (frames: Int, epochs: Int)? {
        let lines = stdout.split(separator: "\n")
        guard lines.count == 1 else { return nil }
        let words = lines[0].split(separator: " ")
        guard words.count > 4, words[0] == "recorded", let frames = Int(words[1]), let epochs = Int(words[3]) else {
            return nil
        }
        return (frames, epochs)
    }

    @Test func durationStopsCleanlyWithOneSummaryLine() async throws {
        let log = Locked(FeedLog())
        let out = temporaryDirectory() + "/duration.tape"
        let child = try await withRecordServer(handler: feedHandler(log)) { port in
            let child = try ChildProcess(
                // Long enough for a starved child to connect and record something before it ends.
                ticktape: arguments(port: port, out: out, ["--duration", "3s"]),
                environment: environment()
            )
            #expect(await child.wait(seconds: 60), "record --duration must end by itself")
            return child
        }
        #expect(child.status == 0, "\(child.stderr)")
        #expect(child.stderr.isEmpty, "no status line when stderr is not a terminal: \(child.stderr)")
        let counts = try #require(summary(child.stdout), "\(child.stdout)")
        #expect(child.stdout.contains("(stopped: duration)"))
        #expect(counts.epochs == 1)

        let verify = try await runTicktape(["verify", out])
        #expect(verify.status == 0, "\(verify.stdout)")
        #expect(!verify.stdout.contains("torn tail"))
        let reader = try TapeReader(path: out)
        #expect(reader.session.url.hasPrefix("ws://127.0.0.1:") && reader.session.url.hasSuffix("/websocket/v1"))
        let sent = log.withLock { $0 }
        #expect(sent.subscriptions.count == 1)
        #expect(reader.session.subscription.map { Array($0.utf8) } == sent.subscriptions.first)
        #expect(reader.session.subscription?.contains(#""codes":["KRW-BTC"]"#) == true)
        let recorded = try inboundPayloads(out)
        #expect(!recorded.isEmpty)
        #expect(recorded == sent.sent.prefix(recorded.count).map(\.payload), "byte-identical, nothing skipped")
        #expect(Int64(counts.frames) == (try TapeVerifier.verify(reader)).frames)
    }

    @Test(arguments: [SIGINT, SIGTERM])
    func aSignalStopsCleanly(_ signal: Int32) async throws {
        let log = Locked(FeedLog())
        let out = temporaryDirectory() + "/signal-\(signal).tape"
        let child = try await withRecordServer(handler: feedHandler(log)) { port in
            let child = try ChildProcess(ticktape: arguments(port: port, out: out), environment: environment())
            #expect(await poll { log.withLock { $0.sent.count } >= 100 }, "the feed never got going")
            child.send(signal)
            #expect(await child.wait(seconds: 60), "a signal must end the recording")
            return child
        }
        #expect(child.status == 0, "\(child.stderr)")
        #expect(child.stdout.contains("(stopped: stopped)"), "\(child.stdout)")
        let name = signal == SIGTERM ? "SIGTERM" : "SIGINT"
        #expect(child.stdout.hasSuffix("(stopped: stopped) by \(name)\n"), "the summary names the signal")
        #expect(summary(child.stdout) != nil, "\(child.stdout)")
        let verify = try await runTicktape(["verify", out])
        #expect(verify.status == 0, "\(verify.stdout)")
        #expect(!verify.stdout.contains("torn tail"), "\(verify.stdout)")
        let recorded = try inboundPayloads(out)
        #expect(recorded.count >= 100)
        #expect(recorded == log.withLock { $0.sent }.prefix(recorded.count).map(\.payload))
        let events = try TapeReader(path: out).events()
        #expect(events.last?.kind == .sessionEnd)
        #expect(events.contains { $0.kind == .disconnect && $0.closeCode == 1000 }, "close 1000 answered")
    }

    @Test func aSecondSigintExitsAtOnceAfterCommittingWhatArrived() async throws {
        let log = Locked(FeedLog())
        let seen = Locked((pong: false, close: false))
        let out = temporaryDirectory() + "/twice.tape"
        // Sends 50 frames and a ping, then reads without ever answering the close: the close 1000
        // of the first SIGINT gets no reply and the recorder is still waiting (≤ 2 s) when the
        // second one comes. The pong says the recorder has taken in all 50 frames (it replies
        // after recording), so the test knows what "arrived" means without guessing a delay.
        let deaf = RecordTestHandler { _, inbound, writer in
            var iterator = inbound.makeAsyncIterator()
            guard try await iterator.next() != nil else { return }
            for index in 0..<50 {
                let payload = Array(#"{"type":"trade","sequential_id":\#(index)}"#.utf8)
                try await writer.send(text: ByteBuffer(bytes: payload))
                log.withLock { $0.sent.append((1, payload, .now)) }
            }
            try await writer.ping()
            while let message = try await iterator.next() {
                if message.opcode == .pong { seen.withLock { $0.pong = true } }
                if message.opcode == .connectionClose {
                    seen.withLock { $0.close = true }
                    break  // asking for the next message would send the close reply
                }
            }
            try await Task.sleep(for: .seconds(600))  // deaf until the server stops
        }
        let child = try await withRecordServer(handler: deaf) { port in
            // A commit window far longer than the test: only the flush can commit the frames.
            let child = try ChildProcess(
                ticktape: arguments(port: port, out: out, ["--commit-ms", "60000"]),
                environment: environment()
            )
            #expect(await poll { seen.withLock { $0.pong } }, "the recorder never took in the feed")
            child.send(SIGINT)
            #expect(await poll { seen.withLock { $0.close } }, "the first SIGINT sends close 1000")
            #expect(child.isRunning, "the first SIGINT waits for the close reply")
            child.send(SIGINT)
            #expect(await child.wait(seconds: 60))
            return child
        }
        #expect(child.status == 130, "\(child.stderr)")
        #expect(child.stderr.contains("interrupted again"))
        #expect(child.stdout.isEmpty, "no summary after an abrupt exit")
        let verify = try await runTicktape(["verify", out])
        #expect(verify.status == 0, "\(verify.stdout)")
        #expect(verify.stdout.contains("warning: torn tail"), "no session_end after an abrupt exit")
        let recorded = try inboundPayloads(out)
        #expect(recorded == log.withLock { $0.sent }.map(\.payload), "the flush committed everything that arrived")
    }

    @Test func sigkillLosesOnlyWhatWasNotCommittedYet() async throws {
        let log = Locked(FeedLog())
        let out = temporaryDirectory() + "/sigkill.tape"
        let child = try await withRecordServer(handler: feedHandler(log)) { port in
            let child = try ChildProcess(
                ticktape: arguments(port: port, out: out, ["--commit-ms", "50"]),
                environment: environment()
            )
            #expect(await poll { log.withLock { $0.sent.count } >= 200 }, "the feed never got going")
            // While the feed keeps streaming and nothing asks the recorder to stop, the commit
            // window alone (far below the 8192-frame commit size) must make these durable.
            let committed = log.withLock { $0.sent.count }
            #expect(
                await poll { ((try? inboundPayloads(out))?.count ?? 0) >= committed },
                "frames are committed while the feed streams"
            )
            child.send(SIGKILL)
            #expect(await child.wait(seconds: 60))
            return (child, committed)
        }
        #expect(child.0.killedBySignal)
        let verify = try await runTicktape(["verify", out])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout.contains("warning: torn tail"), "\(verify.stdout)")

        // What survives is a byte-identical prefix of what was sent, holding at least everything
        // seen committed before the kill: a crash loses only the window not yet committed.
        let recorded = try inboundPayloads(out)
        let sent = log.withLock { $0.sent }.map(\.payload)
        #expect(recorded == Array(sent.prefix(recorded.count)), "byte-identical, nothing skipped")
        #expect(recorded.count >= child.1, "committed windows survive a crash")
    }

    @Test func badInputsGetOneLineAndExitTwoBeforeConnecting() async throws {
        let dir = temporaryDirectory()
        let existing = dir + "/existing.tape"
        _ = FileManager.default.createFile(atPath: existing, contents: Data("not mine".utf8))
        let upgrades = Locked(0)
        let gate: @Sendable (UpgradeRequest) -> UpgradeDecision = { _ in
            upgrades.withLock { $0 += 1 }
            return .accept
        }
        try await withRecordServer(gate: gate, handler: feedHandler(Locked(FeedLog()))) { port in
            let url = "ws://127.0.0.1:\(port)/websocket/v1"
            let out = dir + "/new.tape"
            let cases: [[String]] = [
                ["record", url, "--out", out, "--upbit", "myAsset", "--private"],  // no keys
                ["record", "http://127.0.0.1:\(port)/", "--out", out, "--upbit", "trade:KRW-BTC"],
                ["record", "ws://127.0.0.1:99999/", "--out", out, "--upbit", "trade:KRW-BTC"],
                ["record", "ws://user:pw@127.0.0.1:\(port)/", "--out", out, "--upbit", "trade:KRW-BTC"],
                ["record", url, "--out", out],
                ["record", url, "--out", out, "--upbit", "trade:KRW-BTC", "--subscribe", #"[{"ticket":"t"}]"#],
                ["record", url, "--out", existing, "--upbit", "trade:KRW-BTC"],
                ["record", url, "--out", out, "--subscribe", "{not json"],
                ["record", url, "--out", out, "--subscribe", #"[{"ticket":"t"},{"type":"trade"}]"#],
                ["record", url, "--out", out, "--upbit", "bogus:KRW-BTC"],
                ["record", url, "--out", out, "--upbit", "myAsset"],
                ["record", url, "--out", out, "--upbit", "trade:KRW-BTC", "--format", "XML"],
                ["record", url, "--out", out, "--upbit", "trade:KRW-BTC", "--sync", "fast"],
                ["record", url, "--out", out, "--upbit", "trade:KRW-BTC", "--commit-ms", "0"],
                ["record", url, "--out", out, "--upbit", "trade:KRW-BTC", "--duration", "soon"],
                ["record", url],
            ]
            for arguments in cases {
                let child = try ChildProcess(ticktape: arguments, environment: environment())
                #expect(await child.wait(seconds: 60), "\(arguments) must not start recording")
                #expect(child.status == 2, "\(arguments): exit \(child.status), \(child.stderr)")
                let lines = child.stderr.split(separator: "\n")
                #expect(lines.count == 1 && lines[0].hasPrefix("ticktape: "), "\(arguments): \(child.stderr)")
                #expect(child.stdout.isEmpty)
            }
            #expect(!FileManager.default.fileExists(atPath: out), "no tape for a refused run")
        }
        #expect(upgrades.withLock { $0 } == 0, "nothing connected")

        let unwritable = try ChildProcess(
            ticktape: [
                "record", "ws://127.0.0.1:9/", "--out", dir + "/missing/dir/x.tape", "--upbit", "trade:KRW-BTC",
            ],
            environment: environment()
        )
        #expect(await unwritable.wait(seconds: 60))
        #expect(unwritable.status == 3, "an I/O failure is exit 3: \(unwritable.stderr)")
        #expect(unwritable.stderr.split(separator: "\n").count == 1)
        #expect(try Data(contentsOf: URL(fileURLWithPath: existing)) == Data("not mine".utf8))
    }
}
