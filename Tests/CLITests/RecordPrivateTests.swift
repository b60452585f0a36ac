import Foundation
import Primitives
import TapeLog
import Testing
import TicktapeTestSupport
import Upbit
import Wire

@Suite(.timeLimit(.minutes(3))) struct RecordPrivateTests {
    static let accessKey = "AKcliaccesskey0123456789abcdefghijklmnopq"
    static let secretKey = "SKclisecretkey9876543210zyxwvutsrqponmlkj"

    @Test func privateRecordingAuthenticatesAndKeepsEveryCredentialOutOfTheTape() async throws {
        let endpoint = PrivateEndpointGate(accessKey: Self.accessKey, secretKey: Self.secretKey)
        let gate = endpoint.decide
        let log = Locked(FeedLog())
        let out = temporaryDirectory() + "/private.tape"
        let child = try await withRecordServer(gate: gate, handler: feedHandler(log) { $0 == 1 ? 5 : nil }) { port in
            let child = try ChildProcess(
                ticktape: [
                    "record", "ws://127.0.0.1:\(port)/websocket/v1", "--out", out,
                    "--upbit", "myAsset;myOrder:KRW-BTC", "--private", "--max-frames", "30",
                ],
                environment: environment(adding: [
                    UpbitCredentials.accessKeyVariable: Self.accessKey,
                    UpbitCredentials.secretKeyVariable: Self.secretKey,
                ])
            )
            #expect(await child.wait(seconds: 60), "record --max-frames must end by itself")
            return child
        }
        #expect(child.status == 0, "\(child.stderr)")
        #expect(child.stdout.contains("(stopped: max-frames)"), "\(child.stdout)")
        let seen = endpoint.tokens.withLock { $0 }
        #expect(seen.count >= 3, "a refused attempt and two connections")
        #expect(Set(seen).count == seen.count, "a fresh token for every connection")
        #expect(seen.dropFirst().allSatisfy(endpoint.isValid))

        let reader = try TapeReader(path: out)
        #expect(reader.session.url.hasSuffix("/websocket/v1/private"))
        #expect(try TapeVerifier.verify(reader).epochs == 2)
        #expect(try inboundPayloads(out).count >= 20)
        let export = try await runTicktape(["export", out])
        #expect(export.status == 0)
        #expect(export.stdout.contains("[redacted]"), "the echoed header is scrubbed from connect_failed")

        var forbidden = [Self.secretKey, Self.accessKey, "Bearer"] + seen
        forbidden += seen.map { String($0.split(separator: ".")[2]) }  // signatures alone
        for file in [out, out + "-wal", out + "-journal"] where FileManager.default.fileExists(atPath: file) {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
            for secret in forbidden {
                #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(file) contains \(secret.prefix(12))…")
            }
        }
        for secret in forbidden {
            #expect(!export.stdout.contains(secret), "the export shows \(secret.prefix(12))…")
            #expect(!child.stdout.contains(secret) && !child.stderr.contains(secret))
        }
    }
}
