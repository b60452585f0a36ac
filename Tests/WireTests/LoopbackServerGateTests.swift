import NIOCore
import Testing
import TicktapeTestSupport
import Wire

@Suite(.timeLimit(.minutes(3))) struct LoopbackServerGateTests {
    private let drain = ClosureHandler { _, inbound, _ in
        for try await _ in inbound {}
    }

    private func connectAndClose(_ port: Int, path: String = "/websocket/v1") async throws {
        let connection = try await WebSocketClient.connect(url: try WebSocketURL("ws://127.0.0.1:\(port)\(path)"))
        try await connection.executeThenClose { inbound, writer in
            try await writer.close(code: 1000)
            for try await _ in inbound {}
        }
    }

    @Test func theSixthConnectInASecondIsRefusedWithATyped429() async throws {
        let frozen = WireClock(monotonicNanos: { 0 }, wallNanos: { 0 })
        let gate = ConnectRateGate(clock: frozen)
        try await withServer(gate: gate.decide, handler: drain) { port in
            for _ in 0..<5 { try await connectAndClose(port) }
            do {
                try await connectAndClose(port)
                Issue.record("the sixth connect should have been refused")
            } catch let error as WebSocketClientError {
                #expect(error == .upgradeRejected(status: 429, body: "Too many API requests."))
                #expect(error.httpStatus == 429)
            }
        }
    }

    /// A refusal is written by the connection's event loop and needs none of the server's tasks:
    /// a server whose tasks are starved (a loaded machine) still refuses within the client's
    /// handshake deadline, instead of letting the client time out.
    @Test func aRefusalIsAnsweredBeforeTheServerRunsAnyTask() async throws {
        let server = try await WebSocketServer.bind(gate: { _ in .reject(.tooManyRequests) })
        await #expect(throws: WebSocketClientError.upgradeRejected(status: 429, body: "Too many API requests.")) {
            try await connectAndClose(server.port)
        }
        // Running it, then cancelling the run, closes the listening socket.
        let running = Task { try await server.run(handler: drain) }
        running.cancel()
        _ = await running.result
    }

    @Test func clientsBeyondTheLimitGet503() async throws {
        var configuration = WebSocketServerConfiguration()
        configuration.maxClients = 1
        try await withServer(configuration, handler: drain) { port in
            let first = try await WebSocketClient.connect(url: try WebSocketURL("ws://127.0.0.1:\(port)/websocket/v1"))
            await #expect(throws: WebSocketClientError.upgradeRejected(status: 503, body: "too many clients")) {
                try await connectAndClose(port)
            }
            try await first.executeThenClose { inbound, writer in
                try await writer.close()
                for try await _ in inbound {}
            }
            // The slot is released when the first connection closes.
            try await eventually {
                (try? await connectAndClose(port)) != nil
            }
        }
    }

    @Test func unknownPathsAreRefusedAndPlainHTTPGetsStatus426Or404() async throws {
        let status: @Sendable () async -> HTTPReply = {
            HTTPReply(status: .ok, contentType: "application/json", body: #"{"clients":0}"#)
        }
        try await withServer(status: status, handler: drain) { port in
            await #expect(throws: WebSocketClientError.upgradeRejected(status: 404, body: "not found")) {
                try await connectAndClose(port, path: "/elsewhere")
            }
            let statusReply = try await rawHTTP(port: port, "GET /status HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(statusReply.hasPrefix("HTTP/1.1 200 OK\r\n"))
            #expect(statusReply.hasSuffix("\r\n\r\n{\"clients\":0}"))
            let plain = try await rawHTTP(port: port, "GET /websocket/v1 HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(plain.hasPrefix("HTTP/1.1 426 Upgrade Required\r\n"))
            let missing = try await rawHTTP(port: port, "GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(missing.hasPrefix("HTTP/1.1 404 Not Found\r\n"))
        }
    }

    @Test func thePrivatePathUpgradesAndTheGateSeesTheRequestHeaders() async throws {
        let seen = Collector<String>()
        let gate: @Sendable (UpgradeRequest) -> UpgradeDecision = { request in
            request.headers["Authorization"].first == "Bearer good"
                ? .accept : .reject(HTTPReply(status: .unauthorized, body: "invalid token"))
        }
        let handler = ClosureHandler { request, inbound, _ in
            await seen.append(request.path)
            for try await _ in inbound {}
        }
        try await withServer(gate: gate, handler: handler) { port in
            let url = try WebSocketURL("ws://127.0.0.1:\(port)/websocket/v1/private")
            await #expect(throws: WebSocketClientError.upgradeRejected(status: 401, body: "invalid token")) {
                _ = try await WebSocketClient.connect(url: url, headers: [("Authorization", "Bearer bad")])
            }
            let connection = try await WebSocketClient.connect(url: url, headers: [("Authorization", "Bearer good")])
            try await connection.executeThenClose { inbound, writer in
                try await writer.close()
                for try await _ in inbound {}
            }
        }
        #expect(await seen.values == ["/websocket/v1/private"])
    }
}
