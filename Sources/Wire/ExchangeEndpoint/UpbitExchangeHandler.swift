import NIOCore
import Replay
import Upbit

/// Upbit's per-connection WebSocket protocol over any ``MarketSource``: the
/// handler behind `ticktape simulate` and `ticktape serve`.
///
/// - Requests are parsed by `UpbitSubscription.parse`; a bad one gets Upbit's error message
///   (`NO_TICKET`, `NO_TYPE`, `NO_CODES`, `WRONG_FORMAT`, `INVALID_PARAM`) and changes nothing.
/// - A valid request REPLACES the subscription and the connection's format (Upbit's WebSocket documentation). It
///   gets one SNAPSHOT per requested (type, code) that has state, unless `isOnlyRealtime` /
///   `is_only_realtime`; then REALTIME messages of exactly its (type, code) pairs, unless
///   `isOnlySnapshot` / `is_only_snapshot`. Orderbook `.N` codes get N units with totals
///   recomputed; `level` is accepted and not applied (the sources have one price grouping).
/// - Every data frame the server writes is BINARY, replies included (Upbit's documentation: data frames
///   are binary; pyupbit decodes every message as bytes). DEFAULT ↔ SIMPLE as asked; `*_LIST`
///   formats send one message per one-element array.
/// - Text `PING` → `{"status":"UP"}`, once per PING; ping frames are answered with pongs.
/// - LIST_SUBSCRIPTIONS → the list reply, in the connection's keys.
/// - Client messages (requests and `PING`) are limited per connection to 5/s and 100/min
///   (Upbit's limits). Upbit documents no answer; ticktape sends
///   `{"error":{"name":"TOO_MANY_REQUESTS",…}}` and ignores that message.
/// - `myOrder`/`myAsset` only on `/websocket/v1/private` with an `Authorization: Bearer …`
///   header, else `INVALID_AUTH`. The handler does not verify the token; a server's upgrade gate
///   may (``UpbitTokenVerifier``).
/// - ``ExchangeEvent/expirePrivate``: each connection on the private path is sent `INVALID_AUTH`
///   ("the access token has expired") and closed with 1008 "token expired", counted in
///   ``ExchangeCounters/closedExpired``.
/// - ``ExchangeEvent/disconnectAll(code:reason:abrupt:)``: abrupt closes the TCP connection
///   with no close frame (queued frames are dropped, as in a network cut, except from a source
///   that waits for slow clients, `serve --speed max`: there the queue is an accident of
///   scheduling, so it is written first and every client meets the cut at the same frame); otherwise the queued
///   frames are written, then a close frame with the code. A source whose event stream ends
///   closes its clients with 1001 "going away".
/// - A slow client never blocks the source: at most ``Options/bufferCapacity`` market frames
///   wait per connection; past that the queue is dropped and the client closed with 1008
///   "slow consumer".
/// - One connection never costs more than ``Options/byteBudget`` bytes of queued frames: market
///   data, snapshots and replies (rate-limit errors included) all count, until written; past it
///   the client is closed with 1008 "send queue over budget". Both closes are counted in
///   ``ExchangeCounters/closedOverBudget``. (A source that waits for slow clients waits for
///   room in both bounds instead; a client that stops reading altogether is closed by the
///   server's unwritable deadline, ``WebSocketServerConfiguration/unwritableTimeout``.)
///
/// An abrupt end is signalled to ``WebSocketServer`` by throwing ``ExchangeConnectionAbort``
/// (the server then closes the channel without a close frame and reports it to
/// `onConnectionError`, which may ignore it).
public struct UpbitExchangeHandler: WebSocketServerHandler {
    /// Per-connection limits, chaos and observers.
    public struct Options: Sendable {
        /// Market frames that may wait for one slow client before it is closed (1008).
        public var bufferCapacity = 8_192
        /// Bytes that may wait for one client, everything it is sent counted (default 8 MiB:
        /// about 8192 typical Upbit frames, so the frame cap usually binds first for market data,
        /// while replies and oversized orderbooks cannot grow a connection past it). Past it the
        /// client is closed (1008).
        public var byteBudget = 8 << 20
        /// The per-connection limit on client messages (default Upbit's 5/s and 100/min).
        public var messageLimiter = RateLimiter.upbitMessages()
        /// The clock of the rate limiter and of chaos delays.
        public var clock: WireClock = .system
        /// How long a closing connection may take to write its queue, send its close frame and
        /// get the client's answer before TCP is closed anyway.
        public var closeTimeout: TimeAmount = .seconds(2)
        /// Message faults applied to each connection's market frames (drop, dup, reorder,
        /// delay); the rest of the spec is the source's. Seeded per connection from ``seed``.
        public var faults = ChaosSpec()
        public var seed: UInt64 = 0
        /// The path on which private types are allowed.
        public var privatePath = "/websocket/v1/private"
        /// The epoch a new connection belongs to (default 1); see ``SentFrame/epoch``.
        public var epoch: (@Sendable () -> Int)?
        /// Told about every data frame written, in order per connection (e.g. a truth log).
        public var onSent: (@Sendable (SentFrame) -> Void)?
        /// Told about every valid subscription request (connection number, request), before its
        /// snapshots are queued.
        public var onRequest: (@Sendable (Int, UpbitSubscription) -> Void)?
        /// Told when a connection opens (`true`) and when it ends (`false`), with its number.
        public var onConnection: (@Sendable (Int, Bool) -> Void)?

        public init() {}
    }

    /// Where market data and snapshots come from.
    public let source: any MarketSource
    public let options: Options
    /// Connections and frames so far.
    public let counters: ExchangeCounters

    public init(source: any MarketSource, options: Options = Options(), counters: ExchangeCounters = ExchangeCounters())
    {
        self.source = source
        self.options = options
        self.counters = counters
    }

    public func serve(_ request: UpgradeRequest, inbound: WebSocketInbound, outbound: WebSocketWriter) async throws {
        let id = self.counters.opened()
        self.options.onConnection?(id, true)
        defer {
            self.counters.closed()
            self.options.onConnection?(id, false)
        }
        let seed = self.options.seed ^ (UInt64(id) &* 0x9E37_79B9_7F4A_7C15)
        let connection = ExchangeConnection(
            id: id,
            epoch: self.options.epoch?() ?? 1,
            request: request,
            source: self.source,
            options: self.options,
            counters: self.counters,
            outbound: outbound,
            outbox: ConnectionOutbox(
                capacity: self.options.bufferCapacity,
                byteBudget: self.options.byteBudget,
                faults: ConnectionFaults(spec: self.options.faults, seed: seed)
            )
        )
        let events = await self.source.events()
        let outcome = await connection.run(inbound: inbound, events: events)
        self.counters.queued(peak: connection.outbox.peakQueuedBytes)
        if case .abort(let reason) = outcome {
            throw ExchangeConnectionAbort(connection: id, reason: reason)
        }
    }
}

/// Thrown by ``UpbitExchangeHandler`` to end a connection without a close frame.
public struct ExchangeConnectionAbort: Error, CustomStringConvertible, Sendable, Equatable {
    public var connection: Int
    /// Why: `disconnect`, `write failed`, `close timed out`.
    public var reason: String

    public var description: String { "exchange connection \(connection) aborted: \(reason)" }
}
