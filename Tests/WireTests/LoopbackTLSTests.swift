import NIOCore
import Testing
import Wire

@Suite(.timeLimit(.minutes(3))) struct LoopbackTLSTests {
    private let echo = ClosureHandler { _, inbound, writer in
        for try await message in inbound where message.opcode == .text {
            try await writer.send(text: "echo: " + (message.text ?? ""))
        }
    }

    private func serverConfiguration() throws -> WebSocketServerConfiguration {
        var configuration = WebSocketServerConfiguration()
        configuration.tls = try WebSocketServerTLS(
            certificateChainPEM: TestCertificates.certificatePEM,
            privateKeyPEM: TestCertificates.privateKeyPEM
        )
        return configuration
    }

    private func roundTrip(_ url: WebSocketURL, tls: WebSocketTLS?) async throws -> String? {
        let connection = try await WebSocketClient.connect(url: url, tls: tls)
        return try await connection.executeThenClose { inbound, writer in
            try await writer.send(text: "hello")
            var reply: String?
            for try await message in inbound {
                if let text = message.text {
                    reply = text
                    try await writer.close()
                }
            }
            return reply
        }
    }

    @Test func wssWithPinnedRootVerifiesBothTheHostNameAndTheIPAddress() async throws {
        let pinned = try WebSocketTLS.pinnedRoots(pem: [TestCertificates.certificatePEM])
        try await withServer(try serverConfiguration(), handler: echo) { port in
            let byName = try await roundTrip(try WebSocketURL("wss://localhost:\(port)/websocket/v1"), tls: pinned)
            #expect(byName == "echo: hello")
            let byIP = try await roundTrip(try WebSocketURL("wss://127.0.0.1:\(port)/websocket/v1"), tls: pinned)
            #expect(byIP == "echo: hello")
        }
    }

    @Test func theSystemTrustStoreRejectsTheSelfSignedCertificate() async throws {
        try await withServer(try serverConfiguration(), handler: echo) { port in
            let url = try WebSocketURL("wss://localhost:\(port)/websocket/v1")
            do {
                _ = try await roundTrip(url, tls: nil)
                Issue.record("an unknown root must not be trusted")
            } catch let error as WebSocketClientError {
                guard case .handshakeFailed(let reason) = error else {
                    Issue.record("expected a handshake failure, got \(error)")
                    return
                }
                #expect(reason.contains("CERTIFICATE_VERIFY_FAILED"))
            }
        }
    }
}
