import NIOCore
import Primitives
import Upbit

/// The per-connection handler `ticktape serve` runs over `source`: the Upbit protocol
/// (requests, snapshots, formats, PING, errors) shared with `ticktape simulate`. `counters`
/// receive what `/status` reports about its connections.
public func makeServeHandler(
    source: some MarketSource,
    options: UpbitExchangeHandler.Options = UpbitExchangeHandler.Options(),
    counters: ExchangeCounters = ExchangeCounters()
) -> any WebSocketServerHandler {
    UpbitExchangeHandler(source: source, options: options, counters: counters)
}

/// Counts the WebSocket connections a handler is serving (the `clients` of `/status`).
public final class ConnectionCounter: Sendable {
    private let count = Locked(0)

    public init() {}

    /// Connections being served now.
    public var current: Int { self.count.withLock { $0 } }

    /// `handler`, counting each connection while it is served.
    public func counting(_ handler: any WebSocketServerHandler) -> any WebSocketServerHandler {
        CountingHandler(base: handler, counter: self)
    }

    fileprivate func change(by delta: Int) { self.count.withLock { $0 += delta } }
}

private struct CountingHandler: WebSocketServerHandler {
    let base: any WebSocketServerHandler
    let counter: ConnectionCounter

    func serve(_ request: UpgradeRequest, inbound: WebSocketInbound, outbound: WebSocketWriter) async throws {
        self.counter.change(by: 1)
        defer { self.counter.change(by: -1) }
        try await self.base.serve(request, inbound: inbound, outbound: outbound)
    }
}

/// The `GET /status` answer of `ticktape serve`:
/// ``TapeMarketStatus/json(tape:clients:closedBudget:closedUnwritable:)``, with the clients the
/// handler (`exchange`) and the server (`server`) closed to bound what one client costs.
public func serveStatusReply(
    market: TapeMarket,
    clients: ConnectionCounter,
    tape: String,
    exchange: ExchangeCounters? = nil,
    server: WebSocketServerCounters? = nil
) -> HTTPReply {
    HTTPReply(
        status: .ok,
        contentType: "application/json",
        body: market.status.json(
            tape: tape,
            clients: clients.current,
            closedBudget: exchange?.closedOverBudget ?? 0,
            closedUnwritable: server?.closedUnwritable ?? 0
        )
    )
}
