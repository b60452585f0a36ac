import NIOCore
import Primitives
import Replay
import Upbit
import Wire

/// Deterministic synthetic Upbit markets as a `MarketSource`: `SyntheticFeed(seed:)`
/// over `symbols` markets, produced at `rate` messages/s paced on the wall clock in batches per
/// tick (10 ms by default, so 100k messages/s is a batch of 1,000), with server-side chaos.
///
/// The message sequence depends only on the seed and options, never on timing: the N-th message
/// produced is the same in every run (``produce(count:)`` makes them on demand for tests). The
/// latest payload of every stream is the SNAPSHOT a subscription gets, and with each market's
/// recent trades (`RecentTrades`) what the REST quotation endpoints answer (`QuotationSource`). Events fan out to every
/// listener without waiting: each listener's stream holds at most `listenerBuffer` events, and a
/// listener that falls that far behind is dropped (its stream ends).
///
/// Chaos: `cut`/`blackhole` close every connection abruptly (`ExchangeEvent.disconnectAll(code:reason:abrupt:)`)
/// and upgrades are refused for `gap` after each cut (see ``acceptsConnections()``);
/// `stale-snapshot P` makes a snapshot after the first cut carry the stream's previous state with
/// probability P. Message faults (drop, dup, reorder, delay) are per connection, in the handler.
/// `stale-epoch` has no server-side meaning (a closed connection cannot deliver) and is ignored.
public final class SimulatedMarket: MarketSource, QuotationSource {
    /// What to simulate.
    public struct Options: Sendable {
        public var seed: UInt64 = 1
        /// Number of markets (`KRW-BTC`, `KRW-ETH`, … see `SyntheticFeed.markets(count:)`).
        public var symbols = 10
        /// Messages per second over all markets and types.
        public var rate: Double = 1_000
        public var types = ["ticker", "trade", "orderbook"]
        /// Units per orderbook message (Upbit's default 30).
        public var orderbookDepth = 30
        public var chaos = ChaosSpec()
        /// Pacing period: each tick produces what the elapsed time calls for.
        public var tickNanos: Int64 = 10_000_000
        /// Events one listener may have waiting before it is dropped.
        public var listenerBuffer = 65_536
        /// The clock that paces production and chaos.
        public var clock: WireClock = .system

        public init() {}
    }

    private struct State {
        var feed: SyntheticFeed
        var latest: [[UInt8]]
        var previous: [[UInt8]]
        var trades: RecentTrades
        var listeners: [Int: AsyncStream<ExchangeEvent>.Continuation] = [:]
        var nextListener = 0
        var schedule: ChaosSchedule
        var staleRNG: SplitMix64
        var produced: Int64 = 0
        var startNanos: Int64?
    }

    public let options: Options
    /// The market codes, in order.
    public let markets: [String]
    private let typeIndex: [String: Int]
    private let marketIndex: [String: Int]
    private let state: Locked<State>

    public init(options: Options) {
        self.options = options
        var feed = SyntheticFeed(
            seed: options.seed,
            markets: SyntheticFeed.markets(count: max(1, options.symbols)),
            types: options.types,
            orderbookDepth: options.orderbookDepth
        )
        // Message timestamps advance at the configured rate, as an exchange's follow its wall
        // clock: 60 s of event time holds a minute of messages, so a recorded session's dedup
        // windows are as full as a real one's (the feed's own 1–4 ms per message would make
        // event time run 25× ahead of the clock at 10k msg/s). Still no wall clock: the content
        // stays a function of the seed.
        feed.messagesPerSecond = options.rate
        self.markets = feed.markets
        self.typeIndex = Dictionary(uniqueKeysWithValues: feed.types.enumerated().map { ($1, $0) })
        self.marketIndex = Dictionary(uniqueKeysWithValues: feed.markets.enumerated().map { ($1, $0) })
        var latest: [[UInt8]] = []
        var trades = RecentTrades(markets: feed.markets.count)
        for type in feed.types {
            for code in feed.markets {
                let snapshot = feed.snapshot(type: type, code: code) ?? []
                latest.append(snapshot)
                if type == "trade", !snapshot.isEmpty {
                    let message = ExchangeMessage(type: type, code: code, format: .default, payload: snapshot)
                    trades.append(message, code: code, sequentialID: nil)
                }
            }
        }
        self.state = Locked(
            State(
                feed: feed,
                latest: latest,
                previous: Array(repeating: [], count: latest.count),
                trades: trades,
                schedule: ChaosSchedule(spec: options.chaos),
                staleRNG: SplitMix64(seed: options.seed ^ 0x5743_4C45_534E_4150)
            )
        )
    }

    /// The types generated.
    public var types: [String] { self.state.withLock { $0.feed.types } }

    /// The simulator's epoch: 1 + the cuts so far.
    public var epoch: Int { self.state.withLock { $0.schedule.cuts + 1 } }

    /// Messages produced so far (sent to listeners or silenced by a blackhole).
    public var produced: Int64 { self.state.withLock { $0.produced } }

    /// Listeners connected now.
    public var listenerCount: Int { self.state.withLock { $0.listeners.count } }

    public func snapshot(type: String, code: String?) async -> ExchangeMessage? {
        guard let stream = self.stream(type: type, code: code) else { return nil }
        return self.state.withLock { state in
            var payload = state.latest[stream]
            let p = self.options.chaos.staleSnapshot
            if p > 0, state.schedule.cuts > 0, !state.previous[stream].isEmpty,
                Double(state.staleRNG.next() >> 11) / 9_007_199_254_740_992.0 < p
            {
                payload = state.previous[stream]
            }
            guard !payload.isEmpty else { return nil }
            return ExchangeMessage(type: type, code: type == "myAsset" ? nil : code, format: .default, payload: payload)
        }
    }

    /// Every simulated market, in order (`/v1/market/all`).
    public func listedMarkets() async -> [String] { self.markets }

    /// The latest message of (`type`, `code`), without the chaos of a WebSocket snapshot: a
    /// REST answer never draws on the stale-snapshot randomness, so it cannot change which
    /// snapshots a recording gets.
    public func latest(type: String, code: String) async -> ExchangeMessage? {
        guard let stream = self.stream(type: type, code: code) else { return nil }
        let payload = self.state.withLock { $0.latest[stream] }
        return payload.isEmpty ? nil : ExchangeMessage(type: type, code: code, format: .default, payload: payload)
    }

    /// The market's recent trades, newest first.
    public func recentTrades(code: String) async -> [ExchangeMessage] {
        self.state.withLock { $0.trades.newestFirst(code: code) }
    }

    public func events() async -> AsyncStream<ExchangeEvent> {
        let (stream, continuation) = AsyncStream<ExchangeEvent>.makeStream(
            bufferingPolicy: .bufferingOldest(max(1, self.options.listenerBuffer))
        )
        let id = self.state.withLock { state in
            state.nextListener += 1
            state.listeners[state.nextListener] = continuation
            return state.nextListener
        }
        continuation.onTermination = { _ in self.state.withLock { _ = $0.listeners.removeValue(forKey: id) } }
        return stream
    }

    /// Produces the next `count` messages now and sends them to every listener (unless a
    /// blackhole is on). ``run()`` calls this on every tick.
    public func produce(count: Int) {
        guard count > 0 else { return }
        let (events, listeners) = self.state.withLock { state in
            let silent = state.startNanos.map { state.schedule.isSilent(at: self.options.clock.monotonicNanos() - $0) }
            var events: [ExchangeEvent] = []
            events.reserveCapacity(silent == true ? 0 : count)
            for _ in 0..<count {
                let m = state.feed.next()
                if let stream = self.stream(type: m.type, code: m.code) {
                    state.previous[stream] = state.latest[stream]
                    state.latest[stream] = m.bytes
                }
                let message = ExchangeMessage(type: m.type, code: m.code, format: .default, payload: m.bytes)
                if m.type == "trade", let code = m.code {
                    // Trade ids are unique per market here: no need to check for repeats.
                    state.trades.append(message, code: code, sequentialID: nil)
                }
                if silent != true { events.append(.message(message)) }
            }
            state.produced += Int64(count)
            return (events, Array(state.listeners))
        }
        self.fanOut(events, to: listeners)
    }

    /// Cuts now, as the chaos schedule does: the epoch advances and every connection is closed
    /// abruptly (no close frame).
    public func cutAll() {
        let now = self.options.clock.monotonicNanos()
        self.state.withLock { state in state.schedule.noteCut(at: now - (state.startNanos ?? now)) }
        self.disconnectEveryone()
    }

    /// Cuts one connection abruptly (no close frame), the one listening longest (`oldest`) or the
    /// newest, and leaves the others and the epoch alone: one client's network failing, as
    /// redundant recorders on different networks meet it.
    public func cutOne(oldest: Bool) {
        let listeners = self.state.withLock { state in
            state.listeners.sorted { oldest ? $0.key < $1.key : $0.key > $1.key }
        }
        for (id, listener) in listeners {
            // A connection already gone ends its stream: skip it (and forget it) for the next one.
            if case .terminated = listener.yield(.disconnectAll(code: 1006, reason: "chaos cut", abrupt: true)) {
                self.state.withLock { _ = $0.listeners.removeValue(forKey: id) }
                continue
            }
            return
        }
    }

    private func disconnectEveryone() {
        self.fanOut(
            [.disconnectAll(code: 1006, reason: "chaos cut", abrupt: true)],
            to: self.state.withLock { Array($0.listeners) }
        )
    }

    /// False during the `gap` after a chaos cut: the simulated network is down.
    public func acceptsConnections() -> Bool {
        let now = self.options.clock.monotonicNanos()
        return self.state.withLock { state in
            guard let start = state.startNanos else { return true }
            return !state.schedule.isDown(at: now - start)
        }
    }

    /// False during a chaos `private-outage`: the private endpoint refuses upgrades.
    public func acceptsPrivateConnections() -> Bool {
        let now = self.options.clock.monotonicNanos()
        return self.state.withLock { state in
            !state.schedule.isPrivateDown(at: now - (state.startNanos ?? now))
        }
    }

    /// Token expiries so far (chaos `auth-expire`).
    public var expiries: Int { self.state.withLock { $0.schedule.expiries } }

    /// Produces at `rate` messages/s on the wall clock and plays the chaos schedule, until the
    /// task is cancelled. After a stall it skips ahead rather than bursting more than 100 ms of
    /// messages at once.
    public func run() async {
        let clock = self.options.clock
        let start = clock.monotonicNanos()
        self.state.withLock { $0.startNanos = start }
        let burstCap = max(1, Int64(self.options.rate * 0.1))
        var paced: Int64 = 0
        while !Task.isCancelled {
            try? await Task.sleep(nanoseconds: UInt64(max(1_000_000, self.options.tickNanos)))
            let elapsed = clock.monotonicNanos() - start
            let (cuts, expiries) = self.state.withLock {
                ($0.schedule.advance(to: elapsed), $0.schedule.advanceExpiries(to: elapsed))
            }
            for _ in 0..<cuts { self.disconnectEveryone() }
            if expiries > 0 { self.fanOut([.expirePrivate], to: self.state.withLock { Array($0.listeners) }) }
            let target = Int64(Double(elapsed) * self.options.rate / 1e9)
            var due = target - paced
            if due > burstCap {
                paced = target - burstCap
                due = burstCap
            }
            guard due > 0 else { continue }
            self.produce(count: Int(due))
            paced += due
        }
    }

    private func fanOut(_ events: [ExchangeEvent], to listeners: [(Int, AsyncStream<ExchangeEvent>.Continuation)]) {
        guard !events.isEmpty else { return }
        for (id, listener) in listeners {
            for event in events {
                if case .dropped = listener.yield(event) {
                    // Too far behind: end its stream (the handler closes that client) rather than
                    // lose messages silently or wait.
                    self.state.withLock { _ = $0.listeners.removeValue(forKey: id) }
                    listener.finish()
                    break
                }
            }
        }
    }

    private func stream(type: String, code: String?) -> Int? {
        guard let t = self.typeIndex[type] else { return nil }
        let m = type == "myAsset" ? 0 : code.flatMap { self.marketIndex[$0] }
        return m.map { t * self.markets.count + $0 }
    }
}
