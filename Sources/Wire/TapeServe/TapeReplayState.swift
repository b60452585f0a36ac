import TapeLog
import Upbit

/// Where a replay stands: the last entry applied.
public struct ReplayPosition: Sendable, Hashable {
    public var epoch: UInt32
    /// The frame's seq, or the seq an event follows.
    public var seq: UInt64
    /// Recorded monotonic time (ns since the session started).
    public var monoNs: Int64

    public init(epoch: UInt32, seq: UInt64, monoNs: Int64) {
        self.epoch = epoch
        self.seq = seq
        self.monoNs = monoNs
    }
}

/// The pure core of ``TapeMarket``: applies tape entries in arrival order, keeps the latest
/// payload per stream (type, code) and each market's recent trades, and says what to broadcast.
/// No clock, no I/O, no locks.
///
/// - Inbound text/binary frames that are Upbit market messages (`UpbitScanner.isMarketType(_:)`)
///   are broadcast as ``ExchangeEvent/message(_:)`` with the payload exactly as recorded; control
///   frames, outbound frames, out-of-band replies (status, error, list) and unrecognised payloads
///   are skipped (counted): they answered the recorder's own requests.
/// - A frame of an epoch lower than the current one (a stale-epoch tail) is broadcast at its
///   arrival, as the recorder received it, but does not update the snapshot state: the state
///   follows the newest connection, as Upbit's own state never goes back (the rules' R1).
/// - Trades of the newest connection are kept per market (``RecentTrades``), each
///   `sequential_id` once: a trade a reconnect's snapshot repeats is not listed twice.
/// - With `replayDisconnects`, the connect event of an epoch > 1 yields a
///   ``ExchangeEvent/disconnectAll(code:reason:abrupt:)`` made by ``disconnect(after:epoch:)`` from the
///   previous epoch's recorded disconnect.
public struct TapeReplayState: Sendable {
    struct StreamKey: Hashable, Sendable {
        var type: String
        var code: String?
    }

    /// Whether epoch boundaries close every client.
    public let replayDisconnects: Bool
    /// Key spelling assumed for payloads whose first key says nothing (from the session's
    /// subscription format, DEFAULT when absent).
    public let fallbackFormat: UpbitFormat.Format
    /// Recorded disconnect event per epoch (the last one when several).
    let disconnects: [UInt32: LifecycleRecord]

    /// The highest epoch opened so far in this pass (0 before the first connect).
    public private(set) var epoch: UInt32 = 0
    /// The last entry applied; nil at the start of a pass.
    public private(set) var position: ReplayPosition?
    /// Messages broadcast in this pass.
    public private(set) var messages = 0
    /// Inbound frames not broadcast in this pass.
    public private(set) var skipped = 0
    private(set) var latest: [StreamKey: ExchangeMessage] = [:]
    private var trades: RecentTrades

    /// `events` are the tape's lifecycle events (`TapeReader.events()`), for the close codes;
    /// `markets`, the number of market codes in the tape, sizes the recent trades kept per market.
    public init(
        events: [LifecycleRecord],
        replayDisconnects: Bool,
        fallbackFormat: UpbitFormat.Format = .default,
        markets: Int = 0
    ) {
        var disconnects: [UInt32: LifecycleRecord] = [:]
        for event in events where event.kind == .disconnect { disconnects[event.epoch] = event }
        self.disconnects = disconnects
        self.replayDisconnects = replayDisconnects
        self.fallbackFormat = fallbackFormat
        self.trades = RecentTrades(markets: markets)
    }

    /// Applies the next entry in arrival order; returns what every listener must be told, if anything.
    public mutating func apply(_ entry: TapeEntry) -> ExchangeEvent? {
        switch entry {
        case .event(let event):
            self.position = ReplayPosition(epoch: event.epoch, seq: event.afterSeq, monoNs: event.monoNs)
            guard event.kind == .connect else { return nil }
            self.epoch = Swift.max(self.epoch, event.epoch)
            guard self.replayDisconnects, event.epoch > 1 else { return nil }
            return Self.disconnect(after: self.disconnects[event.epoch - 1], epoch: event.epoch - 1)
        case .frame(let frame):
            let record = frame.record
            self.position = ReplayPosition(epoch: record.epoch, seq: record.seq, monoNs: record.monoNs)
            guard record.direction == .inbound, record.opcode.isData,
                let type = frame.facts.type, UpbitScanner.isMarketType(type)
            else {
                if record.direction == .inbound { self.skipped += 1 }
                return nil
            }
            let message = ExchangeMessage(
                type: type,
                code: frame.facts.code,
                format: Self.keySpelling(of: record.payload) ?? self.fallbackFormat,
                payload: record.payload,
                origin: FrameOrigin(epoch: record.epoch, seq: record.seq)
            )
            if record.epoch >= self.epoch {
                self.latest[StreamKey(type: type, code: frame.facts.code)] = message
                if type == "trade", let code = frame.facts.code {
                    self.trades.append(message, code: code, sequentialID: frame.facts.sequentialID)
                }
            }
            self.messages += 1
            return .message(message)
        }
    }

    /// The latest message of stream (`type`, `code`) at the current position. A `.N` depth suffix
    /// on the code is ignored (the tape stores codes without it); myAsset has no code.
    public func snapshot(type: String, code: String?) -> ExchangeMessage? {
        let plain = code.map(UpbitScanner.stripDepthSuffix)
        if let hit = self.latest[StreamKey(type: type, code: plain)] { return hit }
        return type == "myAsset" ? self.latest[StreamKey(type: type, code: nil)] : nil
    }

    /// The recent trades of market `code` at the current position, newest first.
    public func recentTrades(code: String) -> [ExchangeMessage] { self.trades.newestFirst(code: code) }

    /// Number of streams with state.
    public var streams: Int { self.latest.count }

    /// The event that closes every client at the end of `epoch`, from its recorded disconnect:
    /// a close frame carrying the recorded code when the server sent one a server may send
    /// (1000–1003, 1007–1014, 3000–4999: the client meets exactly what the recorder met);
    /// otherwise (1006 connection lost, 1005/1015, a watchdog reconnect with no code, a chaos cut,
    /// no disconnect recorded at all) an abrupt TCP drop, reported as 1006.
    public static func disconnect(after record: LifecycleRecord?, epoch: UInt32) -> ExchangeEvent {
        let detail = record?.detail.map { ": \($0)" } ?? ""
        let reason = "replayed end of epoch \(epoch)\(detail)"
        if let code = record?.closeCode, Self.isSendableCloseCode(code) {
            return .disconnectAll(code: UInt16(code), reason: Self.closeReason(reason), abrupt: false)
        }
        return .disconnectAll(code: 1006, reason: reason, abrupt: true)
    }

    /// `text` cut to fit a close frame (RFC 6455 §5.5: control payloads ≤ 125 bytes, 2 for the code).
    static func closeReason(_ text: String) -> String {
        var reason = Substring(text)
        while reason.utf8.count > 123 { reason = reason.dropLast() }
        return String(reason)
    }

    /// RFC 6455 §7.4: 1005, 1006 and 1015 must never be sent in a close frame; 1004 is reserved;
    /// 1000–2999 beyond the defined ones are reserved, 3000–4999 are for libraries and applications.
    static func isSendableCloseCode(_ code: Int64) -> Bool {
        (1000...1003).contains(code) || (1007...1014).contains(code) || (3000...4999).contains(code)
    }

    /// The first ticker and orderbook of every market in the tape's first connection: the state
    /// the session opened with (a recording's first message of a stream is the SNAPSHOT its
    /// subscription got). Read up to the end of that connection, or until every market has both.
    static func openingState(
        _ reader: TapeReader,
        markets: Int
    ) throws(TapeError) -> [StreamKey: ExchangeMessage] {
        let cursor = try reader.entries(TapeFilter(types: ["ticker", "orderbook"]))
        var opening: [StreamKey: ExchangeMessage] = [:]
        var firstEpoch: UInt32?
        while opening.count < 2 * markets, let entry = try cursor.next() {
            guard case .frame(let frame) = entry else { continue }
            let record = frame.record
            if let first = firstEpoch, record.epoch > first { break }
            firstEpoch = firstEpoch ?? record.epoch
            guard record.direction == .inbound, record.opcode.isData, let type = frame.facts.type,
                let code = frame.facts.code
            else { continue }
            let key = StreamKey(type: type, code: code)
            if opening[key] == nil {
                opening[key] = ExchangeMessage(
                    type: type,
                    code: code,
                    format: keySpelling(of: record.payload) ?? .default,
                    payload: record.payload,
                    origin: FrameOrigin(epoch: record.epoch, seq: record.seq)
                )
            }
        }
        return opening
    }

    /// The key spelling of an Upbit payload from its first key (`type` → DEFAULT, `ty` → SIMPLE),
    /// as Upbit writes `type` first in both; nil when the first key is neither.
    public static func keySpelling(of payload: [UInt8]) -> UpbitFormat.Format? {
        var i = 0
        func skipSpace() {
            while i < payload.count,
                payload[i] == 0x20 || payload[i] == 0x0A || payload[i] == 0x0D || payload[i] == 0x09
            {
                i += 1
            }
        }
        skipSpace()
        guard i < payload.count, payload[i] == UInt8(ascii: "{") else { return nil }
        i += 1
        skipSpace()
        guard i < payload.count, payload[i] == UInt8(ascii: "\"") else { return nil }
        let t = UInt8(ascii: "t")
        let y = UInt8(ascii: "y")
        let quote = UInt8(ascii: "\"")
        if payload.count >= i + 4, payload[i + 1] == t, payload[i + 2] == y, payload[i + 3] == quote {
            return .simple
        }
        let tail: [UInt8] = [t, y, UInt8(ascii: "p"), UInt8(ascii: "e"), quote]
        if payload.count >= i + 6, Array(payload[(i + 1)..<(i + 6)]) == tail { return .default }
        return nil
    }
}
