import Foundation
import NIOCore
import Primitives
import TapeLog
import Testing
import TicktapeTestSupport
import Upbit

@testable import Wire

@Suite(.timeLimit(.minutes(3))) struct RecordingPrivateTests {
    static let accessKey = "AKtestaccesskey0123456789abcdefghijklmnop"
    static let secretKey = "SKtestsecretkey9876543210zyxwvutsrqponmlk"

    @Test func credentialsAuthenticateEveryConnectionAndNeverReachTheTape() async throws {
        let endpoint = PrivateEndpointGate(accessKey: Self.accessKey, secretKey: Self.secretKey)
        let gate = endpoint.decide
        let connections = Locked(0)
        let handler = ClosureHandler { _, inbound, writer in
            let number = connections.withLock {
                $0 += 1
                return $0
            }
            var iterator = inbound.makeAsyncIterator()
            guard try await iterator.next() != nil else { return }
            for index in 0..<5 { try await writer.send(text: #"{"type":"myAsset","n":\#(index)}"#) }
            if number == 1 { try await writer.close(code: 1000) }
            while try await iterator.next() != nil {}
        }
        let path = temporaryTapePath()
        let summary = try await withServer(gate: gate, handler: handler) { port in
            var configuration = fastSession(path: path, port: port)
            configuration.credentials = UpbitCredentials(accessKey: Self.accessKey, secretKey: Self.secretKey)
            let session = try RecordingRun(configuration)
            return try await runSession(session) {
                let status = await session.status()
                return status.epoch == 2 && status.frames >= 6
            }
        }
        #expect(summary.epochs == 2)
        let seen = endpoint.tokens.withLock { $0 }
        #expect(seen.count >= 3)
        #expect(Set(seen).count == seen.count, "a fresh token for every connection")
        #expect(seen.dropFirst().allSatisfy(endpoint.isValid))

        let reader = try TapeReader(path: path)
        #expect(reader.session.url.hasSuffix("/websocket/v1/private"))
        let failed = try reader.events().filter { $0.kind == .connectFailed }
        #expect(failed.first?.detail?.contains("[redacted]") == true, "\(failed)")
        #expect(try TapeVerifier.verify(reader).problems.isEmpty)

        var forbidden = [Self.secretKey, Self.accessKey, "Bearer"] + seen
        forbidden += seen.map { String($0.split(separator: ".")[2]) }  // signatures alone
        for file in [path, path + "-wal"] where FileManager.default.fileExists(atPath: file) {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
            for secret in forbidden {
                #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(file) contains \(secret.prefix(12))…")
            }
        }
        let details = try reader.events().compactMap(\.detail).joined(separator: "\n")
        for secret in forbidden { #expect(!details.contains(secret)) }
    }
}
