/// A served tape answers the REST quotation endpoints from its state at the replay position:
/// the latest ticker and orderbook per market and the market's recent trades so far. The
/// markets listed are every market code in the tape, known before the replay starts.
extension TapeMarket: QuotationSource {
    public func listedMarkets() async -> [String] { self.codes }

    public func latest(type: String, code: String) async -> ExchangeMessage? {
        self.core.withLock { $0.replay.snapshot(type: type, code: code) }
    }

    public func recentTrades(code: String) async -> [ExchangeMessage] {
        self.core.withLock { $0.replay.recentTrades(code: code) }
    }
}
