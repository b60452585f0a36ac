/// The market state behind Upbit's REST quotation endpoints (``QuotationResponder``): the
/// simulator's markets, or a tape's state at the replay position.
///
/// Payloads are WebSocket messages as the source holds them (DEFAULT or SIMPLE keys); the
/// responder re-shapes them into the REST fields.
public protocol QuotationSource: Sendable {
    /// Every market code the exchange lists (`/v1/market/all`), in listing order. Known before
    /// any state exists: a client loads the list before it subscribes.
    func listedMarkets() async -> [String]
    /// The latest message of stream (`type`, `code`) (`ticker` or `orderbook`), nil before its
    /// first. Unlike a WebSocket snapshot, asking changes nothing (no chaos, no randomness used).
    func latest(type: String, code: String) async -> ExchangeMessage?
    /// The market's recent trades, newest first (at most ``RecentTrades/capacity``).
    func recentTrades(code: String) async -> [ExchangeMessage]
}
