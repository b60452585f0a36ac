import Foundation
import NIOCore
import TapeLog
import Testing
import TicktapeTestSupport
import Wire

@Suite struct RecordCommandTests {
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
        let log = Shared(FeedLog())
        let out = temporaryDirectory() + "/duration.tape"
        let child = try await withRecordServer(handler: feedHandler(log)) { port in
            let child = try Child(arguments(port: port, out: out, ["--duration", "700ms"]), environment: environment())
            #expect(await child.wait(), "record --duration must end by itself")
            return child
        }
        #expect(child.status == 0, "\(child.stderr)")
        #expect(child.stderr.isEmpty, "no status line when stderr is not a terminal: \(child.stderr)")
        let counts = try #require(summary(child.stdout), "\(child.stdout)")
        #expect(child.stdout.contains("(stopped: duration)"))
        #expect(counts.epochs == 1)

        let verify = try runTicktape(["verify", out])
        #expect(verify.status == 0, "\(verify.stdout)")
        #expect(!verify.stdout.contains("torn tail"))
        let reader = try TapeReader(path: out)
        #expect(reader.session.url.hasPrefix("ws://127.0.0.1:") && reader.session.url.hasSuffix("/websocket/v1"))
        let sent = log.with { $0 }
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
        let log = Shared(FeedLog())
        let out = temporaryDirectory() + "/signal-\(signal).tape"
        let child = try await withRecordServer(handler: feedHandler(log)) { port in
            let child = try Child(arguments(port: port, out: out), environment: environment())
            #expect(await poll { log.with { $0.sent.count } >= 100 }, "the feed never got going")
            child.send(signal)
            #expect(await child.wait(seconds: 10), "a signal must end the recording within the close timeout")
            return child
        }
        #expect(child.status == 0, "\(child.stderr)")
        #expect(child.stdout.contains("(stopped: stopped)"), "\(child.stdout)")
        #expect(summary(child.stdout) != nil, "\(child.stdout)")
        let verify = try runTicktape(["verify", out])
        #expect(verify.status == 0, "\(verify.stdout)")
        #expect(!verify.stdout.contains("torn tail"), "\(verify.stdout)")
        let recorded = try inboundPayloads(out)
        #expect(recorded.count >= 100)
        #expect(recorded == log.with { $0.sent }.prefix(recorded.count).map(\.payload))
        let events = try TapeReader(path: out).events()
        #expect(events.last?.kind == .sessionEnd)
        #expect(events.contains { $0.kind == .disconnect && $0.closeCode == 1000 }, "close 1000 answered")
    }

    @Test func aSecondSigintExitsAtOnceAfterCommittingWhatArrived() async throws {
        let log = Shared(FeedLog())
        let out = temporaryDirectory() + "/twice.tape"
        // Never reads after the subscription, so the close 1000 of the first SIGINT gets no
        // reply and the recorder is still waiting (≤ 2 s) when the second one comes.
        let deaf = RecordTestHandler { _, inbound, writer in
            var iterator = inbound.makeAsyncIterator()
            guard try await iterator.next() != nil else { return }
            var index = 0
            while !Task.isCancelled {
                let payload = Array(#"{"type":"trade","sequential_id":\#(index)}"#.utf8)
                try await writer.send(text: ByteBuffer(bytes: payload))
                log.with { $0.sent.append((1, payload, .now)) }
                index += 1
                try await Task.sleep(for: .milliseconds(2))
            }
        }
        let (child, sentAtFirst) = try await withRecordServer(handler: deaf) { port in
            // A commit window far longer than the test: only the flush can commit the frames.
            let child = try Child(
                arguments(port: port, out: out, ["--commit-ms", "60000"]),
                environment: environment()
            )
            #expect(await poll { log.with { $0.sent.count } >= 50 }, "the feed never got going")
            child.send(SIGINT)
            let sentAtFirst = log.with { $0.sent.count }
            try await Task.sleep(for: .milliseconds(300))
            #expect(child.process.isRunning, "the first SIGINT waits for the close reply")
            child.send(SIGINT)
            #expect(await child.wait(seconds: 10))
            return (child, sentAtFirst)
        }
        #expect(child.status == 130, "\(child.stderr)")
        #expect(child.stderr.contains("interrupted again"))
        #expect(child.stdout.isEmpty, "no summary after an abrupt exit")
        let verify = try runTicktape(["verify", out])
        #expect(verify.status == 0, "\(verify.stdout)")
        #expect(verify.stdout.contains("warning: torn tail"), "no session_end after an abrupt exit")
        let recorded = try inboundPayloads(out)
        #expect(recorded.count >= sentAtFirst, "the flush committed what had arrived")
        #expect(recorded == log.with { $0.sent }.prefix(recorded.count).map(\.payload))
    }

    @Test func sigkillLosesAtMostTheOpenCommitWindow() async throws {
        let log = Shared(FeedLog())
        let out = temporaryDirectory() + "/sigkill.tape"
        let commitMs = 50
        let (child, killedAt) = try await withRecordServer(handler: feedHandler(log)) { port in
            let child = try Child(
                arguments(port: port, out: out, ["--commit-ms", "\(commitMs)"]),
                environment: environment()
            )
            #expect(await poll { log.with { $0.sent.count } >= 200 }, "the feed never got going")
            let killedAt = ContinuousClock.now
            child.send(SIGKILL)
            #expect(await child.wait(seconds: 10))
            return (child, killedAt)
        }
        #expect(child.killedBySignal)
        let verify = try runTicktape(["verify", out])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout.contains("warning: torn tail"), "\(verify.stdout)")

        let recorded = try inboundPayloads(out)
        let sentBeforeKill = log.with { $0.sent }.filter { $0.at < killedAt }
        #expect(recorded == sentBeforeKill.prefix(recorded.count).map(\.payload), "byte-identical, nothing skipped")
        let lost = sentBeforeKill.dropFirst(recorded.count)
        // What was lost is what the writer had not committed yet: the open window (commit-ms)
        // plus what was still in flight. The slack absorbs scheduling on a loaded machine.
        let slack = Duration.milliseconds(commitMs) + .milliseconds(450)
        if let oldest = lost.first {
            #expect(killedAt - oldest.at <= slack, "lost \(lost.count) frames, the oldest \(killedAt - oldest.at) old")
        }
        #expect(recorded.count >= 150, "committed windows survive a crash")
    }

    @Test func badInputsGetOneLineAndExitTwoBeforeConnecting() async throws {
        let dir = temporaryDirectory()
        let existing = dir + "/existing.tape"
        _ = FileManager.default.createFile(atPath: existing, contents: Data("not mine".utf8))
        let upgrades = Shared(0)
        let gate: @Sendable (UpgradeRequest) -> UpgradeDecision = { _ in
            upgrades.with { $0 += 1 }
            return .accept
        }
        try await withRecordServer(gate: gate, handler: feedHandler(Shared(FeedLog()))) { port in
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
                let child = try Child(arguments, environment: environment())
                #expect(await child.wait(seconds: 10), "\(arguments) must not start recording")
                #expect(child.status == 2, "\(arguments): exit \(child.status), \(child.stderr)")
                let lines = child.stderr.split(separator: "\n")
                #expect(lines.count == 1 && lines[0].hasPrefix("ticktape: "), "\(arguments): \(child.stderr)")
                #expect(child.stdout.isEmpty)
            }
            #expect(!FileManager.default.fileExists(atPath: out), "no tape for a refused run")
        }
        #expect(upgrades.with { $0 } == 0, "nothing connected")

        let unwritable = try Child(
            ["record", "ws://127.0.0.1:9/", "--out", dir + "/missing/dir/x.tape", "--upbit", "trade:KRW-BTC"],
            environment: environment()
        )
        #expect(await unwritable.wait(seconds: 10))
        #expect(unwritable.status == 3, "an I/O failure is exit 3: \(unwritable.stderr)")
        #expect(unwritable.stderr.split(separator: "\n").count == 1)
        #expect(try Data(contentsOf: URL(fileURLWithPath: existing)) == Data("not mine".utf8))
    }
}
