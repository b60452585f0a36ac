/// A served tape answers the REST quotation endpoints from its state at the replay position:
/// the latest ticker and orderbook per market and the market's recent trades so far. The
/// markets listed are every market code in the tape, known before the replay starts; before a
/// market has state (a client typically seeds itself over REST before it subscribes, which is
/// what starts the replay), its ticker and orderbook are the first the tape holds, the state the
/// recorded session opened with.
extension TapeMarket: QuotationSource {
    public func listedMarkets() async -> [String] { self.codes }

    public func latest(type: String, code: String) async -> ExchangeMessage? {
        self.core.withLock { $0.replay.snapshot(type: type, code: code) }
            ?? self.opening[TapeReplayState.StreamKey(type: type, code: code)]
    }

    public func recentTrades(code: String) async -> [ExchangeMessage] {
        self.core.withLock { $0.replay.recentTrades(code: code) }
    }
}
