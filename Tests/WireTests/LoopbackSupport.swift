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
    String(buffer: try await rawExchange(port: port, request))
}

/// Sends `request` as raw bytes and returns every byte the server sends until it closes.
///
/// A connection the server closed before the request could even be written is tried again (at
/// most twice): when the whole suite starts at once on two cores, this task can be starved past
/// the server's handshake deadline between its connect and its write, and the server is right
/// to close such a connection.
func rawExchange(port: Int, _ request: String) async throws -> ByteBuffer {
    var attempt = 0
    while true {
        attempt += 1
        do {
            return try await rawExchangeOnce(port: port, request)
        } catch ChannelError.ioOnClosedChannel where attempt < 3 {
            continue
        }
    }
}

private func rawExchangeOnce(port: Int, _ request: String) async throws -> ByteBuffer {
    let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .connect(host: "127.0.0.1", port: port) { channel in
            channel.eventLoop.makeCompletedFuture {
                try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
            }
        }
    return try await channel.executeThenClose { inbound, outbound in
        try await outbound.write(ByteBuffer(string: request))
        var response = ByteBuffer()
        for try await var chunk in inbound { response.writeBuffer(&chunk) }
        return response
    }
}

/// Upgrades with a raw client that sends nothing more, and returns the server's response head and
/// every byte after it until the server closes: the exact bytes on the wire, for tests of what
/// the server sends (a ``WebSocketClient`` would answer pings and closes on the way).
func rawUpgradeThenListen(port: Int) async throws -> (head: String, after: [UInt8]) {
    let request =
        "GET /websocket/v1 HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    let bytes = Array(try await rawExchange(port: port, request).readableBytesView)
    let separator = Array("\r\n\r\n".utf8)
    guard bytes.count >= separator.count,
        let end = (0...(bytes.count - separator.count)).first(where: {
            Array(bytes[$0..<$0 + separator.count]) == separator
        })
    else { return (String(decoding: bytes, as: UTF8.self), []) }
    return (String(decoding: bytes[..<end], as: UTF8.self), Array(bytes[(end + separator.count)...]))
}

/// The bytes of an unmasked close frame with `code` and `reason` (server to client).
func closeFrameBytes(_ code: UInt16, _ reason: String) -> [UInt8] {
    [0x88, UInt8(2 + reason.utf8.count), UInt8(code >> 8), UInt8(code & 0xFF)] + Array(reason.utf8)
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
