import NIOCore
import NIOHTTP1
import Primitives

/// Upbit's public REST quotation endpoints over a ``QuotationSource``, on the port of the
/// WebSocket (``WebSocketServerConfiguration/httpResponder``): what `ticktape simulate` and
/// `ticktape serve` answer to clients that call REST before they subscribe.
///
/// | path | group | parameters |
/// |---|---|---|
/// | `GET /v1/market/all` | `market` | `is_details` or `isDetails` (`true`/`false`) |
/// | `GET /v1/ticker` | `ticker` | `markets` (comma-separated, required) |
/// | `GET /v1/ticker/all` | `ticker` | `quote_currencies` (comma-separated, required) |
/// | `GET /v1/orderbook` | `orderbook` | `markets` (required), `count` (1–30, default 30), `level` |
/// | `GET /v1/trades/ticks` | `trade` | `market` (required), `count` (default 1, larger than 500 gives 500), `to`, `cursor`, `days_ago` or `daysAgo` (1–7) |
///
/// Answers are JSON arrays in Upbit's REST shapes, made from the source's latest WebSocket
/// messages: a market with no state yet is left out of `ticker` and `orderbook` answers. An
/// orderbook `count` cuts the units and recomputes the totals over those kept, as `KRW-BTC.5`
/// does on the WebSocket; a `level` other than the book's gives no entry for that market, as
/// Upbit answers an unsupported level. Trades come newest first from the source's recent trades
/// of the market's current UTC day (its latest trade's), or of `days_ago` days before it; `to`
/// (`HHmmss` or `HH:mm:ss`, UTC) keeps trades before that time, `cursor` those after that
/// `sequential_id` in the newest-first order.
///
/// Every response of a group carries `Remaining-Req` (``QuotationLimits``); each group allows
/// 10 requests per second per client IP, errors included, and the 11th gets HTTP 429 with
/// ``Options/tooManyRequestsBody``. A missing or malformed parameter is a 400 and an unknown
/// market a 404, with Upbit's quotation error bodies (``QuotationError``). Other paths under
/// `/v1/` get a 404 of the same shape; paths outside `/v1/` are not this responder's.
public final class QuotationResponder: PlainHTTPResponder {
    /// Limits and the over-limit answer.
    public struct Options: Sendable {
        /// Requests per second per group and client IP (Upbit: 10).
        public var perSecond = 10
        /// The clock of the limits.
        public var clock: WireClock = .system
        /// The body of a 429. Upbit documents none and no capture of one is public; the default,
        /// `{"error":{"name":429,"message":"Too many API requests."}}`, has the shape of its other
        /// quotation errors, so clients that parse every error body as JSON (pyupbit does) or
        /// look for an `error` object (ccxt does) handle it, and its message is the one pyupbit
        /// expects.
        public var tooManyRequestsBody = QuotationError.tooManyRequests.body

        public init() {}
    }

    private let source: any QuotationSource
    private let options: Options
    /// The per-client, per-group limits (read by tests).
    public let limits: QuotationLimits

    /// `limits`, when given, is a budget shared with other surfaces of the server (the
    /// simulator's WebSocket upgrades); otherwise the responder keeps its own at
    /// ``Options/perSecond`` on ``Options/clock``.
    public init(source: any QuotationSource, options: Options = Options(), limits: QuotationLimits? = nil) {
        self.source = source
        self.options = options
        let clock = options.clock
        self.limits = limits ?? QuotationLimits(perSecond: options.perSecond, clock: { clock.monotonicNanos() })
    }

    static let contentType = "application/json; charset=utf-8"

    public func reply(to request: PlainHTTPRequest) async -> HTTPReply? {
        guard request.method == .GET else { return nil }
        var path = Substring(request.path)
        if path.count > 1, path.hasSuffix("/") { path = path.dropLast() }
        guard path.hasPrefix("/v1/") else { return nil }
        guard let endpoint = Endpoint(path: String(path)) else {
            return Self.reply(.failure(.notServed(path: String(path))), header: nil)
        }
        let client = request.remoteAddress?.ipAddress ?? "local"
        guard let left = self.limits.admit(client: client, group: endpoint.group) else {
            var reply = HTTPReply(
                status: .tooManyRequests,
                contentType: Self.contentType,
                body: self.options.tooManyRequestsBody
            )
            reply.headers.add(name: "Remaining-Req", value: self.limits.header(group: endpoint.group, left: 0))
            return reply
        }
        let query = QuotationQuery(uri: request.uri)
        let answer: Result<String, QuotationError>
        switch endpoint {
        case .marketAll: answer = await self.marketAll(query)
        case .ticker: answer = await self.ticker(query)
        case .tickerAll: answer = await self.tickerAll(query)
        case .orderbook: answer = await self.orderbook(query)
        case .trades: answer = await self.trades(query)
        }
        return Self.reply(answer, header: self.limits.header(group: endpoint.group, left: left))
    }

    private static func reply(_ answer: Result<String, QuotationError>, header: String?) -> HTTPReply {
        var reply: HTTPReply
        switch answer {
        case .success(let body): reply = HTTPReply(status: .ok, contentType: Self.contentType, body: body)
        case .failure(let error):
            reply = HTTPReply(status: error.status, contentType: Self.contentType, body: error.body)
        }
        if let header { reply.headers.add(name: "Remaining-Req", value: header) }
        return reply
    }

    enum Endpoint {
        case marketAll, ticker, tickerAll, orderbook, trades

        init?(path: String) {
            switch path {
            case "/v1/market/all": self = .marketAll
            case "/v1/ticker": self = .ticker
            case "/v1/ticker/all": self = .tickerAll
            case "/v1/orderbook": self = .orderbook
            case "/v1/trades/ticks": self = .trades
            default: return nil
            }
        }

        /// The rate-limit group, as `Remaining-Req` names it.
        var group: String {
            switch self {
            case .marketAll: return "market"
            case .ticker, .tickerAll: return "ticker"
            case .orderbook: return "orderbook"
            case .trades: return "trade"
            }
        }
    }

    private func marketAll(_ query: QuotationQuery) async -> Result<String, QuotationError> {
        var details = false
        switch query.boolean("is_details", "isDetails") {
        case .absent: break
        case .value(let value): details = value
        case .invalid(let error): return .failure(error)
        }
        let markets = await self.source.listedMarkets()
        return .success(QuotationShapes.array(markets.map { QuotationShapes.market($0, details: details) }))
    }

    /// The requested markets, all listed; or the error.
    private func requestedMarkets(_ query: QuotationQuery) async -> Result<[String], QuotationError> {
        guard let codes = query.list("markets") else { return .failure(.missingParameter) }
        let listed = Set(await self.source.listedMarkets())
        guard codes.allSatisfy(listed.contains) else { return .failure(.codeNotFound) }
        return .success(codes)
    }

    private func ticker(_ query: QuotationQuery) async -> Result<String, QuotationError> {
        switch await self.requestedMarkets(query) {
        case .failure(let error): return .failure(error)
        case .success(let codes): return .success(await self.tickers(codes))
        }
    }

    private func tickerAll(_ query: QuotationQuery) async -> Result<String, QuotationError> {
        guard let quotes = query.list("quote_currencies") else { return .failure(.missingParameter) }
        let prefixes = quotes.map { $0 + "-" }
        let codes = await self.source.listedMarkets().filter { code in prefixes.contains { code.hasPrefix($0) } }
        return .success(await self.tickers(codes))
    }

    private func tickers(_ codes: [String]) async -> String {
        var items: [JSONValue] = []
        for code in codes {
            guard let message = await self.source.latest(type: "ticker", code: code),
                let ws = QuotationShapes.object(message)
            else { continue }
            items.append(QuotationShapes.ticker(ws))
        }
        return QuotationShapes.array(items)
    }

    private func orderbook(_ query: QuotationQuery) async -> Result<String, QuotationError> {
        let codes: [String]
        switch await self.requestedMarkets(query) {
        case .failure(let error): return .failure(error)
        case .success(let value): codes = value
        }
        var depth = 30
        switch query.integer("count", in: 1...30, clamp: true) {
        case .absent: break
        case .value(let value): depth = value
        case .invalid(let error): return .failure(error)
        }
        var level: String?
        if let text = query.value("level"), !text.isEmpty {
            guard let normalized = Self.decimal(text) else { return .failure(.typeMismatch) }
            level = normalized
        }
        var items: [JSONValue] = []
        for code in codes {
            guard let message = await self.source.latest(type: "orderbook", code: code),
                let converted = QuotationShapes.object(message)
            else { continue }
            let cut = ExchangePayloads.truncatingOrderbook(converted.serialized(), depth: depth)
            guard let ws = try? JSONValue.parse(cut) else { continue }
            if let level, Self.decimal(ws["level"]?.numberText ?? ws["level"]?.stringValue ?? "0") != level {
                continue
            }
            items.append(QuotationShapes.orderbook(ws))
        }
        return .success(QuotationShapes.array(items))
    }

    private func trades(_ query: QuotationQuery) async -> Result<String, QuotationError> {
        guard let code = query.value("market"), !code.isEmpty else { return .failure(.missingParameter) }
        var filter = TradeFilter()
        switch query.integer("count", in: 1...RecentTrades.maxPerMarket, clamp: true) {
        case .absent: break
        case .value(let value): filter.count = value
        case .invalid(let error): return .failure(error)
        }
        switch query.integer("days_ago", "daysAgo", in: 1...7) {
        case .absent: break
        case .value(let value): filter.daysAgo = value
        case .invalid(let error): return .failure(error)
        }
        if let text = query.value("to"), !text.isEmpty {
            guard let seconds = TradeFilter.secondOfDay(text) else { return .failure(.invalidParameter) }
            filter.before = seconds
        }
        if let text = query.value("cursor"), !text.isEmpty {
            guard let cursor = UInt64(text) else { return .failure(.typeMismatch) }
            filter.cursor = cursor
        }
        guard await self.source.listedMarkets().contains(code) else { return .failure(.codeNotFound) }
        let trades = await self.source.recentTrades(code: code).compactMap(QuotationShapes.object)
        return .success(QuotationShapes.array(filter.apply(trades).map(QuotationShapes.trade)))
    }

    /// A decimal's canonical text (`"10000"`, `10000.0` and `1E+4` are all `10000`); nil when
    /// `text` is not a number.
    static func decimal(_ text: String) -> String? {
        guard let value = Double(text), value.isFinite else { return nil }
        return value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
