import Primitives
import TapeLog
import Upbit

/// How a ``TapeMarket`` replays.
public struct TapeMarketOptions: Sendable {
    /// Pace relative to the recording (default 1, the recorded pace).
    public var speed: ServeSpeed = .factor(1)
    /// Restart from the beginning at the end, with the state cleared (`--loop`).
    public var loop = false
    /// Close every client at each recorded epoch boundary (`--replay-disconnects`).
    public var replayDisconnects = false
    /// Events buffered per listener before a slow one is cut (paced speeds) or the replay waits
    /// for it (`max`). Default 4096: several seconds of a busy Upbit feed.
    public var listenerCapacity = 4096
    /// The clock the replay is paced on (tests inject a manual one).
    public var clock: any ReplayClock = SystemReplayClock()
    /// Start the replay clock on the first client subscription instead of the first listener.
    /// `ticktape serve` sets it, so a client that connects and then subscribes misses nothing even
    /// at `max`.
    public var startOnFirstSubscription = false

    public init() {}
}

/// A tape served as an Upbit market: the ``MarketSource`` behind `ticktape serve`.
///
/// **One replay clock per market.** It starts on the first ``events()`` call (a client begins
/// listening; ``start()`` starts it explicitly) and then runs whoever is connected, at
/// ``TapeMarketOptions/speed`` × the recorded pace. Handlers should call ``events()`` before
/// ``snapshot(type:code:)`` so that nothing falls between the snapshot and the stream.
///
/// **Reading.** The tape is opened once in ``init(path:options:)`` to validate it (bad input
/// fails before any socket is bound) and to load its lifecycle events; each pass then opens its
/// own `TapeReader` inside the replay task, the only place it is used (SQLite connections are
/// confined: never used concurrently). Entries come in ARRIVAL order (`TapeReader.arrivals(_:payloads:)`),
/// so a stale-epoch tail is replayed when it arrived. What is broadcast and how the snapshot
/// state follows the tape is ``TapeReplayState``.
///
/// **Slow listeners.** Each listener has a bounded buffer of ``TapeMarketOptions/listenerCapacity``
/// events; the replay never blocks on it at a paced speed. A listener whose buffer is full is
/// *cut*: its backlog is dropped and it gets one `disconnectAll(code: 1008, reason: "too slow …",
/// abrupt: false)`, then its stream ends — its client reconnects and gets fresh snapshots rather
/// than a silent gap. At `max` speed nobody is cut: the replay waits until every listener has
/// room again (it runs as fast as the slowest client takes it) and pauses while none listens
/// (after an epoch boundary closed everyone, until a client has subscribed again). A
/// client that stops reading is not waited for forever: the server closes it once its socket has
/// been unwritable for ``WebSocketServerConfiguration/unwritableTimeout``, its listener goes
/// away, and the replay goes on for the others.
///
/// **End.** Without `loop` the market stays up at the final state (snapshots still answered,
/// no more events). With `loop` the next pass starts at once with cleared state; with
/// `replayDisconnects` every client is first closed with 1001 ("replay restarts"), as a new
/// recording session would begin. A pass that broadcast nothing ends the replay. A tape error
/// mid-replay ends it too (``TapeMarketStatus/failure``) and ends every listener's stream.
public final class TapeMarket: MarketSource {
    /// The tape's path.
    public let path: String
    public let options: TapeMarketOptions
    /// The tape's session row.
    public let session: SessionInfo
    let lifecycle: [LifecycleRecord]
    let fallbackFormat: UpbitFormat.Format
    /// The tape's market codes, sorted: what `/v1/market/all` lists.
    let codes: [String]
    /// Each market's first ticker and orderbook: what REST answers before the replay has state.
    let opening: [TapeReplayState.StreamKey: ExchangeMessage]
    let core: Locked<Core>

    enum Phase: Equatable {
        case idle, running, finished, stopped
    }

    struct Core {
        var replay: TapeReplayState
        var phase = Phase.idle
        var pass = 0
        var listeners: [Int: ListenerQueue] = [:]
        var nextListener = 0
        var framesSent = 0
        var disconnects = 0
        var listenersCut = 0
        var failure: TapeError?
        var producer: Task<Void, Never>?
        var listenerWaiter: CheckedContinuation<Void, Never>?
        /// Every client was closed at an epoch boundary: at `max` speed the replay waits for the
        /// next subscription, so a reconnecting client misses nothing between its connect and
        /// its request.
        var awaitingSubscription = false
        var finishWaiters: [CheckedContinuation<Void, Never>] = []
    }

    /// Opens and validates the tape (`TapeError` for anything that is not a readable tape)
    /// without starting the replay.
    public init(path: String, options: TapeMarketOptions = TapeMarketOptions()) throws(TapeError) {
        let reader = try TapeReader(path: path)
        self.path = path
        self.options = options
        self.session = reader.session
        let lifecycle = try reader.events()
        let subscription = reader.session.subscription.flatMap { try? UpbitSubscription.parse(Array($0.utf8)) }
        let fallbackFormat = subscription?.format?.keys ?? .default
        self.lifecycle = lifecycle
        self.fallbackFormat = fallbackFormat
        let codes = try reader.codes(where: UpbitScanner.isMarketType)
        self.codes = codes
        self.opening = try TapeReplayState.openingState(reader, markets: codes.count)
        let replay = TapeReplayState(
            events: lifecycle,
            replayDisconnects: options.replayDisconnects,
            fallbackFormat: fallbackFormat,
            markets: codes.count
        )
        self.core = Locked(Core(replay: replay))
    }

    func freshState() -> TapeReplayState {
        TapeReplayState(
            events: self.lifecycle,
            replayDisconnects: self.options.replayDisconnects,
            fallbackFormat: self.fallbackFormat,
            markets: self.codes.count
        )
    }

    /// Starts the replay clock now (the first entry is due at once); later calls do nothing.
    /// ``events()`` calls it.
    public func start() {
        self.core.withLock { core in
            guard core.phase == .idle else { return }
            core.phase = .running
            core.pass = 1
            let startNs = self.options.clock.now()
            core.producer = Task { await self.run(startNs: startNs) }
        }
    }

    /// Stops the replay and ends every listener's stream (after what it has buffered). Idempotent.
    public func stop() {
        let (producer, listeners, waiters) = self.core.withLock { core in
            if core.phase != .finished { core.phase = .stopped }
            defer {
                core.listeners = [:]
                core.finishWaiters = []
                core.listenerWaiter = nil
            }
            var waiters = core.finishWaiters
            if let waiter = core.listenerWaiter { waiters.append(waiter) }
            return (core.producer, Array(core.listeners.values), waiters)
        }
        producer?.cancel()
        for listener in listeners { listener.finish() }
        for waiter in waiters { waiter.resume() }
    }

    /// A new listener's events from now on; starts the replay clock (see ``start()``) unless
    /// it waits for the first subscription.
    public func events() async -> AsyncStream<ExchangeEvent> {
        let stream = self.listen()
        if !self.options.startOnFirstSubscription { self.start() }
        return stream
    }

    /// A client's subscription is in place: the clock starts now if it waits for one, and a
    /// replay waiting for a reconnect goes on.
    public func subscribed() async {
        self.start()
        let waiter = self.core.withLock { core in
            core.awaitingSubscription = false
            defer { core.listenerWaiter = nil }
            return core.listenerWaiter
        }
        waiter?.resume()
    }

    /// At `max` speed the replay waits for the slowest client, down to its connection's send
    /// queue; at a paced speed a slow client is cut instead.
    public var waitsForSlowClients: Bool { self.options.speed == .max }

    /// The latest message of stream (`type`, `code`) at the current replay position, in the
    /// format the tape recorded it in; nil before the stream's first message.
    public func snapshot(type: String, code: String?) async -> ExchangeMessage? {
        self.core.withLock { $0.replay.snapshot(type: type, code: code) }
    }

    /// Where the replay stands, for `/status`.
    public var status: TapeMarketStatus {
        self.core.withLock { core in
            TapeMarketStatus(
                speed: self.options.speed,
                loop: self.options.loop,
                replayDisconnects: self.options.replayDisconnects,
                started: core.phase != .idle,
                finished: core.phase == .finished || core.phase == .stopped,
                pass: core.pass,
                epoch: core.replay.epoch,
                position: core.replay.position,
                framesSent: core.framesSent,
                disconnects: core.disconnects,
                streams: core.replay.streams,
                listeners: core.listeners.count,
                listenersCut: core.listenersCut,
                failure: core.failure?.description
            )
        }
    }

    /// Returns once the replay has ended (end of tape without loop, failure or ``stop()``).
    public func waitUntilFinished() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = self.core.withLock { core in
                guard core.phase == .idle || core.phase == .running else { return true }
                core.finishWaiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    /// Registers a listener without starting the clock (benchmarks register all first): its
    /// events from the replay's start on, until the replay ends or the stream is dropped.
    public func listen() -> AsyncStream<ExchangeEvent> {
        let queue = ListenerQueue(capacity: self.options.listenerCapacity)
        let (id, waiter) = self.core.withLock { core -> (Int?, CheckedContinuation<Void, Never>?) in
            guard core.phase != .stopped, core.failure == nil else { return (nil, nil) }
            core.nextListener += 1
            core.listeners[core.nextListener] = queue
            defer { core.listenerWaiter = nil }
            return (core.nextListener, core.listenerWaiter)
        }
        waiter?.resume()
        guard let id else { return AsyncStream { $0.finish() } }
        let registration = ListenerRegistration(market: self, id: id)
        return AsyncStream(
            unfolding: {
                _ = registration  // the stream owns the registration: dropping it unregisters
                return await queue.next()
            },
            onCancel: { queue.cancel() }
        )
    }

    func unregister(_ id: Int) {
        let queue = self.core.withLock { $0.listeners.removeValue(forKey: id) }
        queue?.cancel()
    }
}

/// Unregisters a listener when its stream (and every iterator of it) is gone.
final class ListenerRegistration: Sendable {
    let market: TapeMarket
    let id: Int

    init(market: TapeMarket, id: Int) {
        self.market = market
        self.id = id
    }

    deinit { self.market.unregister(self.id) }
}
