import Exchange
import NIOCore
import NIOWebSocket
import Primitives
import Simulator
import Upbit

@testable import Wire

/// A market source the test drives by hand: fixed snapshot states, events published on demand.
final class FakeMarket: MarketSource {
    private struct State {
        var snapshots: [String: ExchangeMessage] = [:]
        var listeners: [Int: AsyncStream<ExchangeEvent>.Continuation] = [:]
        var nextID = 0
    }

    private let state = Locked(State())

    init(snapshots: [ExchangeMessage] = []) {
        self.state.withLock { state in
            for message in snapshots { state.snapshots["\(message.type)|\(message.code ?? "")"] = message }
        }
    }

    func snapshot(type: String, code: String?) async -> ExchangeMessage? {
        self.state.withLock { $0.snapshots["\(type)|\(code ?? "")"] }
    }

    func events() async -> AsyncStream<ExchangeEvent> {
        let (stream, continuation) = AsyncStream<ExchangeEvent>.makeStream()
        let id = self.state.withLock { state in
            state.nextID += 1
            state.listeners[state.nextID] = continuation
            return state.nextID
        }
        continuation.onTermination = { _ in self.state.withLock { _ = $0.listeners.removeValue(forKey: id) } }
        return stream
    }

    var listenerCount: Int { self.state.withLock { $0.listeners.count } }

    func publish(_ event: ExchangeEvent) {
        let listeners = self.state.withLock { Array($0.listeners.values) }
        for listener in listeners { listener.yield(event) }
    }

    func publish(_ message: ExchangeMessage) { self.publish(.message(message)) }
}

/// Deterministic Upbit-shaped payloads from the synthetic feed (DEFAULT keys, REALTIME).
enum Payloads {
    static func message(_ type: String, _ code: String, seed: UInt64 = 1, depth: Int = 30) -> ExchangeMessage {
        var feed = SyntheticFeed(seed: seed, markets: [code], types: [type], orderbookDepth: depth)
        let m = feed.next()
        return ExchangeMessage(type: m.type, code: m.code, format: .default, payload: m.bytes)
    }
}

/// What one test client received, filled by a reader task.
actor Received {
    private(set) var messages: [WebSocketMessage] = []
    private(set) var ended = false
    private(set) var failed = false

    func append(_ message: WebSocketMessage) { self.messages.append(message) }
    func end(failed: Bool) {
        self.ended = true
        self.failed = failed
    }

    /// Data messages (text or binary) received so far.
    var data: [WebSocketMessage] { self.messages.filter { $0.opcode == .binary || $0.opcode == .text } }
}

/// One client connection with a background reader.
struct ExchangeClient: Sendable {
    let writer: WebSocketWriter
    let received: Received

    func send(_ json: String) async throws { try await self.writer.send(text: json) }

    /// Waits (bounded) until at least `count` data messages arrived, and returns them all.
    @discardableResult
    func data(count: Int, seconds: Double = 60) async throws -> [WebSocketMessage] {
        try await eventually(seconds: seconds) { await self.received.data.count >= count }
        return await self.received.data
    }

    /// Sends `PING` and waits for its `{"status":"UP"}`: every request sent before is handled.
    func sync() async throws {
        let before = await self.received.data.filter { $0.json == #"{"status":"UP"}"# }.count
        try await self.send("PING")
        try await eventually { await self.received.data.filter { $0.json == #"{"status":"UP"}"# }.count > before }
    }
}

extension WebSocketMessage {
    /// The payload as text (the exchange sends UTF-8 JSON in binary frames).
    var json: String { String(buffer: self.payload) }
    var bytes: [UInt8] { Array(self.payload.readableBytesView) }
    var facts: FrameFacts { UpbitScanner.facts(of: self.bytes) }
}

/// A server running `handler`, and a connected client, for the duration of `body`.
func withExchange<Result: Sendable>(
    _ source: any MarketSource,
    options: UpbitExchangeHandler.Options = .lenient,
    configuration: WebSocketServerConfiguration = WebSocketServerConfiguration(),
    path: String = "/websocket/v1",
    headers: [(String, String)] = [],
    clientOptions: WebSocketClient.Options = WebSocketClient.Options(),
    _ body: @escaping @Sendable (ExchangeClient) async throws -> Result
) async throws -> Result {
    let handler = UpbitExchangeHandler(source: source, options: options)
    return try await withServer(configuration, handler: handler) { port in
        let url = try WebSocketURL("ws://127.0.0.1:\(port)\(path)")
        let connection = try await WebSocketClient.connect(url: url, headers: headers, options: clientOptions)
        return try await connection.executeThenClose { inbound, writer in
            let received = Received()
            let reader = Task {
                do {
                    for try await message in inbound { await received.append(message) }
                    await received.end(failed: false)
                } catch {
                    await received.end(failed: true)
                }
            }
            defer { reader.cancel() }
            return try await body(ExchangeClient(writer: writer, received: received))
        }
    }
}

extension UpbitExchangeHandler.Options {
    /// Default options with a message limit no test reaches by accident.
    static var lenient: Self {
        var options = Self()
        options.messageLimiter = RateLimiter([TokenBucket(capacity: 10_000, intervalNanos: 1_000_000_000)])
        return options
    }
}
