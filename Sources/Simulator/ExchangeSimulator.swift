import NIOCore
import NIOPosix
import Upbit
import Wire

/// `ticktape simulate`: an Upbit-like exchange on loopback. A ``SimulatedMarket``
/// behind the `UpbitExchangeHandler` on a `WebSocketServer`, with Upbit's limits on one per-IP
/// budget shared by REST and WebSocket (``budget``): 5 connects/s (HTTP 429 at the upgrade),
/// 10 REST requests/s per group (429), and per connection 5 messages/s and 100/min; 120 s idle
/// timeout; during a chaos `gap` upgrades get HTTP 503. `GET /status` answers JSON:
/// `{"connections":1,"connections_total":2,"messages_sent":…,"messages_produced":…,"rate":1000,
/// "send_rate":…,"epoch":2,"uptime_s":…,"clients_closed_budget":0,"clients_closed_unwritable":0,
/// "tokens_accepted":0,"tokens_rejected":0,"tokens_expired":0,"too_many_requests":{"total":0,
/// "rest":{},"websocket_connect":0,"websocket_messages":0}}`
/// (`rate` is the configured production rate, `send_rate` the frames written per second since
/// start, all connections together; the `clients_closed_` counts are clients closed with 1008
/// for passing their send budget, `UpbitExchangeHandler.Options.byteBudget`, or for a socket
/// unwritable past ``Options/unwritableTimeout``; the `tokens_` counts are the private
/// endpoint's JWT checks, ``Options/tokens``, and the private connections ended by chaos
/// `auth-expire`; `too_many_requests` counts every 429 sent and every `TOO_MANY_REQUESTS` error).
public struct ExchangeSimulator: Sendable {
    public struct Options: Sendable {
        /// 127.0.0.1 unless another address is asked for explicitly.
        public var host = "127.0.0.1"
        public var port = 0
        public var market = SimulatedMarket.Options()
        /// Where to write the truth log (``ExchangeTruthLog``), if anywhere.
        public var truthPath: String?
        public var idleTimeout: TimeAmount = .seconds(120)
        /// WebSocket connects per second per client IP (Upbit: 5); over it, HTTP 429 at the upgrade.
        public var connectsPerSecond = 5
        /// REST quotation requests per second per group and client IP (Upbit: 10).
        public var requestsPerSecond = 10
        /// Per-connection options; `faults` and `seed` are taken from the market's chaos and seed.
        public var handler = UpbitExchangeHandler.Options()
        public var maxClients = 256
        /// A client whose socket stays unwritable this long (it stopped reading) is closed with
        /// 1008 (`WebSocketServerConfiguration.unwritableTimeout`).
        public var unwritableTimeout: TimeAmount = .seconds(10)
        /// SO_SNDBUF of client sockets; nil leaves the kernel's autotuning.
        public var socketSendBufferSize: Int?
        /// Checks the bearer token of every upgrade on the private path (`--private-keys`); a bad
        /// one is refused with HTTP 401 and Upbit's `INVALID_AUTH` error. nil: any bearer token
        /// opens the private endpoint.
        public var tokens: UpbitTokenVerifier?

        public init() {}
    }

    public let market: SimulatedMarket
    public let counters: ExchangeCounters
    /// What the server closed on its own (handshake deadline, unwritable clients).
    public let serverCounters: WebSocketServerCounters
    public let host: String
    /// The bound port (the real one when asked for port 0).
    public let port: Int
    private let server: WebSocketServer
    private let handler: UpbitExchangeHandler
    private let truth: ExchangeTruthLog?
    /// The private endpoint's token checks, when `--private-keys` set them.
    public let tokens: UpbitTokenVerifier?
    /// The per-IP budget shared by the REST endpoints and the WebSocket upgrades; its
    /// `QuotationLimits.rejections` are the HTTP 429s sent, by group.
    public let budget: QuotationLimits

    /// `ws://HOST:PORT/websocket/v1`.
    public var url: String {
        let host = self.host.contains(":") ? "[\(self.host)]" : self.host
        return "ws://\(host):\(self.port)/websocket/v1"
    }

    /// Opens the truth file and binds the listening socket; ``run()`` serves.
    public static func bind(options: Options) async throws -> ExchangeSimulator {
        let truth = try options.truthPath.map { (path) throws(ExchangeTruthLogError) in try ExchangeTruthLog(path: path)
        }
        let market = SimulatedMarket(options: options.market)
        let counters = ExchangeCounters()
        var handlerOptions = options.handler
        handlerOptions.faults = options.market.chaos
        handlerOptions.seed = options.market.seed
        handlerOptions.epoch = { market.epoch }
        // One clock for the whole exchange: limits, chaos and production.
        handlerOptions.clock = options.market.clock
        if let truth { handlerOptions.onSent = { truth.record($0) } }
        let handler = UpbitExchangeHandler(source: market, options: handlerOptions, counters: counters)

        var configuration = WebSocketServerConfiguration()
        let clock = options.market.clock
        let budget = QuotationLimits(
            perSecond: options.requestsPerSecond,
            perGroup: [QuotationLimits.websocketConnect: options.connectsPerSecond],
            clock: { clock.monotonicNanos() }
        )
        var quotations = QuotationResponder.Options()
        quotations.clock = clock
        quotations.perSecond = options.requestsPerSecond
        configuration.httpResponder = QuotationResponder(source: market, options: quotations, limits: budget)
        configuration.host = options.host
        configuration.port = options.port
        configuration.idleTimeout = options.idleTimeout
        configuration.maxClients = options.maxClients
        configuration.clock = options.market.clock
        configuration.unwritableTimeout = options.unwritableTimeout
        configuration.socketSendBufferSize = options.socketSendBufferSize
        let serverCounters = configuration.counters
        let tokens = options.tokens
        let privatePath = handlerOptions.privatePath
        let started = options.market.clock.monotonicNanos()
        let rate = options.market.rate
        let server: WebSocketServer
        do {
            server = try await WebSocketServer.bind(
                configuration: configuration,
                gate: { request in
                    guard market.acceptsConnections() else {
                        return .reject(HTTPReply(status: .serviceUnavailable, body: "network down (chaos gap)"))
                    }
                    let client = request.remoteAddress?.ipAddress ?? "local"
                    guard budget.admit(client: client, group: QuotationLimits.websocketConnect) != nil else {
                        return .reject(.tooManyRequests)
                    }
                    guard request.path == privatePath else { return .accept }
                    guard market.acceptsPrivateConnections() else {
                        return .reject(
                            HTTPReply(status: .serviceUnavailable, body: "private endpoint down (chaos private-outage)")
                        )
                    }
                    if let tokens, let rejection = tokens.check(authorization: request.headers["Authorization"].first) {
                        return .reject(Self.invalidAuth(rejection))
                    }
                    return .accept
                },
                status: {
                    let uptime = Double(clock.monotonicNanos() - started) / 1e9
                    return HTTPReply(
                        status: .ok,
                        contentType: "application/json",
                        body: Self.statusJSON(
                            market: market,
                            counters: counters,
                            server: serverCounters,
                            tokens: tokens,
                            budget: budget,
                            rate: rate,
                            uptime: uptime
                        )
                    )
                }
            )
        } catch {
            truth?.close()
            throw error
        }
        return ExchangeSimulator(
            market: market,
            counters: counters,
            serverCounters: serverCounters,
            host: options.host,
            port: server.port,
            server: server,
            handler: handler,
            truth: truth,
            tokens: options.tokens,
            budget: budget
        )
    }

    /// Serves and produces until the task is cancelled; then the socket and the truth file close.
    public func run() async throws {
        defer { self.truth?.close() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.server.run(handler: self.handler) }
            group.addTask { await self.market.run() }
            try await group.next()
            group.cancelAll()
        }
    }

    /// Upbit's answer to a bad token: its `INVALID_AUTH` error, with why in the message.
    static func invalidAuth(_ rejection: UpbitTokenVerifier.Rejection) -> HTTPReply {
        HTTPReply(
            status: .unauthorized,
            contentType: "application/json; charset=utf-8",
            body: #"{"error":{"name":"INVALID_AUTH","message":"\#(rejection.rawValue)"}}"#
        )
    }

    /// `{"total":N,"rest":{"ticker":n,…},"websocket_connect":n,"websocket_messages":n}`: every 429
    /// sent (REST by group, WebSocket upgrades) and every `TOO_MANY_REQUESTS` error a connection
    /// got for passing its message limit; groups in name order.
    static func tooManyRequestsJSON(_ rejections: [String: Int], messages: Int) -> String {
        let connects = rejections[QuotationLimits.websocketConnect] ?? 0
        let rest = rejections.filter { $0.key != QuotationLimits.websocketConnect }.sorted { $0.key < $1.key }
        let total = rejections.values.reduce(0, +) + messages
        let groups = rest.map { #""\#($0.key)":\#($0.value)"# }.joined(separator: ",")
        return #"{"total":\#(total),"rest":{\#(groups)},"websocket_connect":\#(connects),"#
            + #""websocket_messages":\#(messages)}"#
    }

    static func statusJSON(
        market: SimulatedMarket,
        counters: ExchangeCounters,
        server: WebSocketServerCounters,
        tokens: UpbitTokenVerifier?,
        budget: QuotationLimits,
        rate: Double,
        uptime: Double
    ) -> String {
        let sent = counters.framesSent
        let sendRate = uptime > 0 ? (Double(sent) / uptime * 10).rounded() / 10 : 0
        return #"{"connections":\#(counters.openConnections),"connections_total":\#(counters.totalConnections),"#
            + #""messages_sent":\#(sent),"messages_produced":\#(market.produced),"rate":\#(rate),"#
            + #""send_rate":\#(sendRate),"epoch":\#(market.epoch),"uptime_s":\#((uptime * 10).rounded() / 10),"#
            + #""clients_closed_budget":\#(counters.closedOverBudget),"#
            + #""clients_closed_unwritable":\#(server.closedUnwritable),"#
            + #""tokens_accepted":\#(tokens?.accepted ?? 0),"tokens_rejected":\#(tokens?.rejected ?? 0),"#
            + #""tokens_expired":\#(counters.closedExpired),"too_many_requests":"#
            + tooManyRequestsJSON(budget.rejections, messages: counters.messagesLimited) + "}"
    }
}
