import NIOCore
import NIOPosix
import Wire

/// A server handler made of a closure.
struct ClosureHandler: WebSocketServerHandler {
    let body: @Sendable (UpgradeRequest, WebSocketInbound, WebSocketWriter) async throws -> Void

    init(_ body: @escaping @Sendable (UpgradeRequest, WebSocketInbound, WebSocketWriter) async throws -> Void) {
        self.body = body
    }

    func serve(_ request: UpgradeRequest, inbound: WebSocketInbound, outbound: WebSocketWriter) async throws {
        try await self.body(request, inbound, outbound)
    }
}

/// Collects values from concurrent tasks.
actor Collector<Value: Sendable> {
    private(set) var values: [Value] = []

    func append(_ value: Value) { self.values.append(value) }
}

struct TimedOut: Error {}

/// Binds a server on 127.0.0.1:0, runs `body` with its port, then stops the server.
func withServer<Result: Sendable>(
    _ configuration: WebSocketServerConfiguration = WebSocketServerConfiguration(),
    gate: (@Sendable (UpgradeRequest) -> UpgradeDecision)? = nil,
    status: (@Sendable () async -> HTTPReply)? = nil,
    handler: some WebSocketServerHandler,
    _ body: (Int) async throws -> Result
) async throws -> Result {
    let server = try await WebSocketServer.bind(configuration: configuration, gate: gate, status: status)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await server.run(handler: handler) }
        let result = try await body(server.port)
        group.cancelAll()
        return result
    }
}

/// Sends one raw HTTP/1.1 request and returns everything the server answers until it closes.
func rawHTTP(port: Int, _ request: String) async throws -> String {
    let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .connect(host: "127.0.0.1", port: port) { channel in
            channel.eventLoop.makeCompletedFuture {
                try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
            }
        }
    return try await channel.executeThenClose { inbound, outbound in
        try await outbound.write(ByteBuffer(string: request))
        var response = ""
        for try await chunk in inbound { response += String(buffer: chunk) }
        return response
    }
}

/// Polls `condition` every 5 ms for at most `seconds` (loopback tests only wait for real events).
///
/// The bound only keeps a broken test from hanging: it is far above what any condition needs,
/// because on a loaded machine (CI: 2 cores, tests in parallel) a few hundred milliseconds of
/// work can take many seconds of wall time.
func eventually(seconds: Double = 60, _ condition: () async -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while await !condition() {
        guard ContinuousClock.now < deadline else { throw TimedOut() }
        try await Task.sleep(for: .milliseconds(5))
    }
}
