import Foundation
import TapeLog
import Testing
import TicktapeTestSupport
import Upbit
import Wire

@Suite(.timeLimit(.minutes(3))) struct RecordPrivateTests {
    static let accessKey = "AKcliaccesskey0123456789abcdefghijklmnopq"
    static let secretKey = "SKclisecretkey9876543210zyxwvutsrqponmlkj"

    @Test func privateRecordingAuthenticatesAndKeepsEveryCredentialOutOfTheTape() async throws {
        let tokens = Shared<[String]>([])
        let attempts = Shared(0)
        // Accepts only a valid HS512 token on the private path; the first attempt is refused
        // with a body that echoes the Authorization header back.
        let gate: @Sendable (UpgradeRequest) -> UpgradeDecision = { request in
            let attempt = attempts.with {
                $0 += 1
                return $0
            }
            let header = request.headers["Authorization"].first ?? ""
            guard request.path == "/websocket/v1/private", header.hasPrefix("Bearer ") else {
                return .reject(HTTPReply(status: .unauthorized, body: "no token"))
            }
            let token = String(header.dropFirst("Bearer ".count))
            tokens.with { $0.append(token) }
            if attempt == 1 { return .reject(HTTPReply(status: .unauthorized, body: "invalid: \(header)")) }
            return Self.isValid(token) ? .accept : .reject(HTTPReply(status: .unauthorized, body: "bad signature"))
        }
        let log = Shared(FeedLog())
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
        let seen = tokens.with { $0 }
        #expect(seen.count >= 3, "a refused attempt and two connections")
        #expect(Set(seen).count == seen.count, "a fresh token for every connection")
        #expect(seen.dropFirst().allSatisfy(Self.isValid))

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

    /// Recomputes the HS512 signature over the token's own claims (the nonce included).
    static func isValid(_ token: String) -> Bool {
        let parts = token.split(separator: ".")
        guard parts.count == 3, let claims = base64URLDecoded(String(parts[1])),
            let object = try? JSONSerialization.jsonObject(with: claims) as? [String: String],
            object["access_key"] == accessKey, let nonce = object["nonce"]
        else { return false }
        return UpbitJWT.token(accessKey: accessKey, secretKey: secretKey, algorithm: .hs512, nonce: nonce) == token
    }

    static func base64URLDecoded(_ text: String) -> Data? {
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while standard.count % 4 != 0 { standard += "=" }
        return Data(base64Encoded: standard)
    }
}
