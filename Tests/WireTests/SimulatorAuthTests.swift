import Foundation
import Primitives
import Replay
import Simulator
import TapeLog
import Testing
import Upbit

@testable import Wire

/// Auth faults on the simulated exchange: `--private-keys` verifies each private upgrade's JWT,
/// chaos `auth-expire` ends private connections as an expired token does, `private-outage`
/// refuses the private endpoint; the recorder comes back with a fresh token every time.
@Suite(.timeLimit(.minutes(3))) struct SimulatorAuthTests {
    static let accessKey = "AKsimaccesskey0123456789abcdefghijklmnopq"
    static let secretKey = "SKsimsecretkey9876543210zyxwvutsrqponmlkj"

    static func bearer(
        secret: String = secretKey,
        access: String = accessKey,
        alg: UpbitJWT.Algorithm = .hs512,
        nonce: String = UpbitJWT.freshNonce()
    ) -> String {
        "Bearer " + UpbitJWT.token(accessKey: access, secretKey: secret, algorithm: alg, nonce: nonce)
    }

    @Test func theVerifierChecksSignatureAccessKeyAndNonce() {
        let verifier = UpbitTokenVerifier(accessKey: Self.accessKey, secretKey: Self.secretKey)
        #expect(verifier.check(authorization: Self.bearer()) == nil)
        #expect(verifier.check(authorization: Self.bearer(alg: .hs256)) == nil)
        #expect(verifier.check(authorization: Self.bearer(secret: "wrong-secret")) == .signature)
        #expect(verifier.check(authorization: Self.bearer(access: "AKsomeoneelse")) == .accessKey)
        let nonce = UpbitJWT.freshNonce()
        #expect(verifier.check(authorization: Self.bearer(nonce: nonce)) == nil)
        #expect(verifier.check(authorization: Self.bearer(nonce: nonce)) == .nonceReused)
        #expect(verifier.check(authorization: Self.bearer(nonce: "")) == .noNonce)
        #expect(verifier.check(authorization: "Bearer not.a.jwt") == .malformed)
        #expect(verifier.check(authorization: nil) == .missing)
        // A token whose claims were edited after signing.
        let token = UpbitJWT.token(accessKey: Self.accessKey, secretKey: Self.secretKey)
        let parts = token.split(separator: ".")
        let forged = UpbitJWT.token(accessKey: Self.accessKey, secretKey: "x").split(separator: ".")[1]
        #expect(verifier.check(authorization: "Bearer \(parts[0]).\(forged).\(parts[2])") == .signature)
        #expect(verifier.accepted == 3)
        #expect(verifier.rejected == 7)
    }

    static func simulator(
        chaos: String = "",
        clock: ManualWireClock
    ) async throws -> (ExchangeSimulator, Task<Void, any Error>) {
        var options = ExchangeSimulator.Options()
        options.market.symbols = 1
        options.market.rate = 200
        options.market.types = ["ticker", "myOrder", "myAsset"]
        options.market.clock = clock.wireClock
        options.market.chaos = try ChaosSpec.parse(chaos)
        options.tokens = UpbitTokenVerifier(accessKey: accessKey, secretKey: secretKey)
        let simulator = try await ExchangeSimulator.bind(options: options)
        return (simulator, Task { try await simulator.run() })
    }

    static func privateURL(_ simulator: ExchangeSimulator) throws -> WebSocketURL {
        try WebSocketURL(simulator.url + "/private")
    }

    @Test func aWrongSecretIsRefusedWithUpbitsError() async throws {
        let clock = ManualWireClock()
        let (simulator, running) = try await Self.simulator(clock: clock)
        defer { running.cancel() }
        let refused = #"{"error":{"name":"INVALID_AUTH","message":"signature does not verify"}}"#
        await #expect(throws: WebSocketClientError.upgradeRejected(status: 401, body: refused)) {
            _ = try await WebSocketClient.connect(
                url: try Self.privateURL(simulator),
                headers: [("Authorization", Self.bearer(secret: "SKwrongsecret"))]
            )
        }
        // The right secret opens it; the same token again does not (its nonce is spent).
        let good = Self.bearer()
        let connection = try await WebSocketClient.connect(
            url: try Self.privateURL(simulator),
            headers: [("Authorization", good)]
        )
        try await connection.executeThenClose { _, writer in try await writer.close(code: 1000) }
        let reused = #"{"error":{"name":"INVALID_AUTH","message":"nonce already used"}}"#
        await #expect(throws: WebSocketClientError.upgradeRejected(status: 401, body: reused)) {
            _ = try await WebSocketClient.connect(
                url: try Self.privateURL(simulator),
                headers: [("Authorization", good)]
            )
        }
        // Public connections need no token.
        let open = try await WebSocketClient.connect(url: try WebSocketURL(simulator.url))
        try await open.executeThenClose { _, writer in try await writer.close(code: 1000) }
        let status = try await rawHTTP(
            port: simulator.port,
            "GET /status HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        )
        #expect(status.contains(#""tokens_accepted":1,"tokens_rejected":2,"tokens_expired":0"#), "\(status)")
    }

    @Test func aPrivateOutageRefusesThePrivateEndpointForItsDuration() async throws {
        let clock = ManualWireClock()
        let (simulator, running) = try await Self.simulator(chaos: "private-outage for:2s", clock: clock)
        defer { running.cancel() }
        try await eventually { simulator.market.listenerCount >= 0 && simulator.market.produced >= 0 }
        let down = WebSocketClientError.upgradeRejected(
            status: 503,
            body: "private endpoint down (chaos private-outage)"
        )
        await #expect(throws: down) {
            _ = try await WebSocketClient.connect(
                url: try Self.privateURL(simulator),
                headers: [("Authorization", Self.bearer())]
            )
        }
        let open = try await WebSocketClient.connect(url: try WebSocketURL(simulator.url))
        try await open.executeThenClose { _, writer in try await writer.close(code: 1000) }
        clock.advance(by: 2_000_000_000)
        let back = try await WebSocketClient.connect(
            url: try Self.privateURL(simulator),
            headers: [("Authorization", Self.bearer())]
        )
        try await back.executeThenClose { _, writer in try await writer.close(code: 1000) }
    }

    @Test func aRecorderWaitsOutAPrivateOutageAndGetsInWithAFreshToken() async throws {
        let clock = ManualWireClock()
        let (simulator, running) = try await Self.simulator(chaos: "private-outage for:2s", clock: clock)
        defer { running.cancel() }
        let path = temporaryTapePath()
        var configuration = RecordingRun.Configuration(
            path: path,
            url: try WebSocketURL(simulator.url),
            subscription: Array(#"[{"ticket":"t"},{"type":"myOrder","codes":["KRW-BTC"]}]"#.utf8),
            toolVersion: "test"
        )
        configuration.recorder.policy.backoffBaseNanos = 1_000_000
        configuration.recorder.policy.backoffCapNanos = 5_000_000
        configuration.writer.commitMs = 10
        configuration.credentials = UpbitCredentials(accessKey: Self.accessKey, secretKey: Self.secretKey)
        let session = try RecordingRun(configuration)
        let summary = try await runSession(session) {
            let status = await session.status()
            if status.epoch >= 1, status.frames >= 3 { return true }
            // The outage lasts 2 s of the simulator's clock; let the recorder meet it a few
            // times before the clock moves on.
            let failed = (try? TapeReader(path: path).events().filter { $0.kind == .connectFailed }.count) ?? 0
            if failed >= 2 || clock.now > 3_000_000_000 { clock.advance(by: 20_000_000) }
            return false
        }
        #expect(summary.epochs == 1)
        let failures = try TapeReader(path: path).events().filter { $0.kind == .connectFailed }
        #expect(failures.count >= 2)
        #expect(failures.allSatisfy { ($0.detail ?? "").contains("503") || ($0.detail ?? "").contains("429") })
        let verifier = try #require(simulator.tokens)
        #expect(verifier.accepted == 1, "the outage refuses before any token is spent")
        #expect(verifier.rejected == 0)
    }

    @Test func authExpireEveryFiveSecondsGivesOneEpochPerTokenAndNoSecretInTheTape() async throws {
        let clock = ManualWireClock()
        let (simulator, running) = try await Self.simulator(chaos: "auth-expire every:5s", clock: clock)
        defer { running.cancel() }
        let path = temporaryTapePath()
        var configuration = RecordingRun.Configuration(
            path: path,
            url: try WebSocketURL(simulator.url),
            subscription: Array(#"[{"ticket":"t"},{"type":"myOrder","codes":["KRW-BTC"]},{"type":"myAsset"}]"#.utf8),
            toolVersion: "test"
        )
        configuration.recorder.policy.backoffBaseNanos = 1_000_000
        configuration.recorder.policy.backoffCapNanos = 5_000_000
        configuration.writer.commitMs = 10
        configuration.credentials = UpbitCredentials(accessKey: Self.accessKey, secretKey: Self.secretKey)
        // Private data frames recorded per epoch (a frame count would also take in the last
        // frames of the connection just ended, which a loaded recorder may still be taking in).
        let privateData = Locked<[UInt32: Int]>([:])
        configuration.onFrame = { frame in
            guard frame.direction == .inbound, frame.opcode.isData else { return }
            let text = String(decoding: frame.payload.prefix(64), as: UTF8.self)
            if text.contains("myOrder") || text.contains("myAsset") {
                privateData.withLock { $0[frame.epoch, default: 0] += 1 }
            }
        }
        let session = try RecordingRun(configuration)
        // Thirty seconds of simulator time in 20 ms steps; a step never crosses the next 5 s mark
        // until the recorder's current connection has carried private data, so each token's
        // epoch opens with a subscribe that works, however slowly the machine runs.
        let moved = Locked<Int64>(0)
        let summary = try await runSession(session) {
            let status = await session.status()
            let enough =
                status.epoch >= 1 && privateData.withLock { $0[UInt32(status.epoch), default: 0] } >= 2
            return moved.withLock { total in
                // Over after 30 s, once the sixth expiry's reconnect has carried data too (the
                // clock runs on a little for that data; it cannot pass 35 s, the next expiry).
                if total >= 30_000_000_000, enough, status.epoch == 7 { return true }
                let next = total + 20_000_000
                let crossing = next / 5_000_000_000 > total / 5_000_000_000
                if crossing && !enough { return false }
                total = next
                clock.advance(by: 20_000_000)
                return false
            }
        }
        let verifier = try #require(simulator.tokens)
        #expect(simulator.market.expiries == 6)
        #expect(summary.epochs == 7, "\(summary)")
        #expect(verifier.accepted == summary.epochs, "one token per epoch")
        #expect(verifier.rejected == 0)
        #expect(simulator.counters.closedExpired == 6)

        let reader = try TapeReader(path: path)
        #expect(try TapeVerifier.verify(reader).problems.isEmpty)
        let entries = try reader.allEntries()
        for epoch in UInt32(1)...7 {
            let frames = entries.compactMap { entry -> TapeFrame? in
                guard case .frame(let frame) = entry, frame.record.epoch == epoch else { return nil }
                return frame
            }
            let data = frames.filter { $0.record.opcode.isData }
            // Opened by the private subscribe, answered with private data, not an error.
            #expect(data.first?.record.direction == .outbound, "epoch \(epoch)")
            let request = String(decoding: data.first?.record.payload ?? [], as: UTF8.self)
            #expect(request.contains("myOrder"))
            let inbound = data.filter { $0.record.direction == .inbound }
            #expect(["myOrder", "myAsset"].contains(inbound.first?.facts.type ?? ""), "epoch \(epoch)")
            let errors = inbound.filter { $0.facts.type == "error" }
            // Every epoch but the last ends with the expiry's INVALID_AUTH, and only that.
            #expect(errors.count == (epoch < 7 ? 1 : 0), "epoch \(epoch)")
            if epoch < 7 {
                #expect(inbound.last?.facts.type == "error")
                let last = String(decoding: inbound.last?.record.payload ?? [], as: UTF8.self)
                #expect(last.contains("INVALID_AUTH"))
            }
        }
        // Neither key nor any token: every HS512 token starts with the same header segment, and its
        // claims segment with the same `{"access_key":` prefix.
        let header = String(UpbitJWT.token(accessKey: "a", secretKey: "b").split(separator: ".")[0])
        let forbidden = [Self.accessKey, Self.secretKey, "Bearer", header, "eyJhY2Nlc3Nfa2V5Ijoi"]
        for file in [path, path + "-wal"] where FileManager.default.fileExists(atPath: file) {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
            for secret in forbidden {
                #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(file) contains \(secret.prefix(12))…")
            }
        }
    }
}
