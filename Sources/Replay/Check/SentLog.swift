import Exchange
import Foundation
import Primitives
import Rules

/// What a server told each client (`serve --sent-log FILE`): JSONL, one line per event, in the
/// order the server wrote them.
///
/// - `{"conn":N,"event":"connect","t_ns":…}`: client connection N (1, 2, 3 … in accept order)
///   opened;
/// - `{"conn":N,"event":"request","streams":[["ticker","KRW-BTC"],…],"format":"SIMPLE","t_ns":…}`:
///   it asked for these (type, code) pairs (a request replaces the previous one);
/// - `{"conn":N,"epoch":E,"seq":S,"type":…,"code":…,"stream_type":…,"key":"…","t_ns":…}`: the
///   server wrote it the message of tape frame (E, S) (a SNAPSHOT on subscribe names the frame
///   its state came from), whose idempotency key, as the client will compute it from the bytes it
///   received, is `key` (16 hex digits);
/// - `{"conn":N,"event":"close","t_ns":…}`: the connection ended.
///
/// `t_ns` is the server's wall clock (ns since 1970). With it, `check --deliveries` knows the
/// epoch of every message a client applied, so C3 can be judged.
public struct SentLog: Sendable {
    /// One message written to a client.
    public struct Sent: Sendable, Hashable {
        /// The client connection, numbered in accept order.
        public var connection: Int
        /// The tape frame the message was recorded as.
        public var epoch: UInt32
        public var seq: UInt64
        /// As sent: a SNAPSHOT on subscribe, or REALTIME.
        public var streamType: StreamType
        /// The idempotency key of the bytes written.
        public var key: UInt64
        /// The server's wall clock when it wrote the message.
        public var tNs: Int64?
    }

    /// One subscription request of a client connection.
    public struct Request: Sendable, Hashable {
        public var connection: Int
        /// The (type, code) pairs asked for, in request order.
        public var streams: [StreamKey]
        /// The line of the sent log.
        public var line: Int
    }

    /// The sent log's path, as given.
    public let path: String
    /// Messages written, in order.
    public internal(set) var sent: [Sent] = []
    /// Subscription requests, in order.
    public internal(set) var requests: [Request] = []
    /// Connects, requests and closes, in order (indices into ``requests`` for requests).
    public internal(set) var sessions: [SessionEvent] = []

    /// A client connection's lifecycle in the sent log.
    public enum SessionEvent: Sendable, Hashable {
        case connect(connection: Int)
        /// The index of the request in ``SentLog/requests``.
        case request(Int)
        case close(connection: Int)
    }

    /// Reads the sent log at `path`. A line that is not one of the shapes above is bad input.
    public static func read(path: String) throws(DeliveriesLogError) -> SentLog {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw DeliveriesLogError(path: path, line: nil, reason: "cannot read it (\(error.localizedDescription))")
        }
        var log = SentLog(path: path)
        var number = 0
        for line in data.split(separator: 0x0A, omittingEmptySubsequences: false) {
            number += 1
            guard line.contains(where: { $0 != 0x20 && $0 != 0x0D && $0 != 0x09 }) else { continue }
            try log.add(Array(line), number: number)
        }
        return log
    }

    private mutating func add(_ bytes: [UInt8], number: Int) throws(DeliveriesLogError) {
        func bad(_ reason: String) -> DeliveriesLogError {
            DeliveriesLogError(path: path, line: number, reason: reason)
        }
        guard let value = try? JSONValue.parse(bytes), case .object = value else {
            throw bad("not a JSON object: not a sent log line")
        }
        guard let connection = value["conn"]?.int64Value else { throw bad("no \"conn\": not a sent log line") }
        let tNs = value["t_ns"]?.int64Value
        if let event = value["event"]?.stringValue {
            if event == "connect" { sessions.append(.connect(connection: Int(connection))) }
            if event == "close" { sessions.append(.close(connection: Int(connection))) }
            guard event == "request" else { return }
            var streams: [StreamKey] = []
            for pair in value["streams"]?.arrayValue ?? [] {
                guard let items = pair.arrayValue, items.count == 2, let type = items[0].stringValue else {
                    throw bad("a request's streams must be [type, code] pairs")
                }
                streams.append(StreamKey(type: type, code: items[1].stringValue ?? ""))
            }
            sessions.append(.request(requests.count))
            requests.append(Request(connection: Int(connection), streams: streams, line: number))
            return
        }
        guard let epoch = value["epoch"]?.int64Value, let epoch32 = UInt32(exactly: epoch),
            let seq = value["seq"]?.uint64Value,
            let streamName = value["stream_type"]?.stringValue, let streamType = StreamType(name: streamName),
            let hex = value["key"]?.stringValue, let key = UInt64(hex, radix: 16)
        else {
            throw bad("a sent message needs epoch, seq, stream_type and key")
        }
        sent.append(
            Sent(connection: Int(connection), epoch: epoch32, seq: seq, streamType: streamType, key: key, tNs: tNs)
        )
    }
}

/// Attributes a client's applied messages to the server's sent messages.
///
/// A client applies a subsequence of what it was sent, normally in order. Each line takes the
/// first message not yet taken with its idempotency key that comes after the previous line's
/// (preferring the same stream type); failing that, the first one not yet taken at all.
struct SentMatcher {
    private let log: SentLog
    private var positions: [UInt64: [Int]] = [:]
    private var taken: [Bool]
    private var cursor = -1

    init(_ log: SentLog) {
        self.log = log
        taken = Array(repeating: false, count: log.sent.count)
        positions.reserveCapacity(log.sent.count)
        for (i, sent) in log.sent.enumerated() { positions[sent.key, default: []].append(i) }
    }

    /// The sent message a line with `key` and `streamType` applied; nil when none is left.
    mutating func match(key: UInt64, streamType: StreamType) -> SentLog.Sent? {
        guard let candidates = positions[key] else { return nil }
        var after: Int?
        var any: Int?
        var pick: Int?
        for i in candidates where !taken[i] {
            if any == nil { any = i }
            guard i > cursor else { continue }
            if after == nil { after = i }
            if log.sent[i].streamType == streamType {
                pick = i
                break
            }
        }
        guard let pick = pick ?? after ?? any else { return nil }
        taken[pick] = true
        cursor = pick
        return log.sent[pick]
    }

    /// Whether any message with `key` was sent.
    func knows(_ key: UInt64) -> Bool { positions[key] != nil }
}

/// The first tape frame of every idempotency key, per stream type: where a client's line is
/// attributed when there is no sent log.
struct FirstFrames {
    private struct Seen {
        var snapshotEpoch: UInt32 = 0
        var realtimeEpoch: UInt32 = 0
        var snapshotSeq: UInt64 = 0
        var realtimeSeq: UInt64 = 0
    }

    private var seen: [UInt64: Seen] = [:]

    mutating func note(key: UInt64, streamType: StreamType, epoch: UInt32, seq: UInt64) {
        var entry = seen[key] ?? Seen()
        switch streamType {
        case .snapshot:
            guard entry.snapshotEpoch == 0 else { return }
            entry.snapshotEpoch = epoch
            entry.snapshotSeq = seq
        case .realtime:
            guard entry.realtimeEpoch == 0 else { return }
            entry.realtimeEpoch = epoch
            entry.realtimeSeq = seq
        }
        seen[key] = entry
    }

    /// The first frame with `key`, of `streamType` when there is one.
    func frame(key: UInt64, streamType: StreamType) -> (epoch: UInt32, seq: UInt64)? {
        guard let entry = seen[key] else { return nil }
        let snapshot = entry.snapshotEpoch == 0 ? nil : (entry.snapshotEpoch, entry.snapshotSeq)
        let realtime = entry.realtimeEpoch == 0 ? nil : (entry.realtimeEpoch, entry.realtimeSeq)
        return streamType == .snapshot ? (snapshot ?? realtime) : (realtime ?? snapshot)
    }
}

extension SentLog {
    /// A request that asks for fewer (type, code) pairs than what it succeeds: the previous request
    /// of its connection (a request replaces the subscription), or, for a connection's first
    /// request, the last request of the connection that closed most recently (a reconnect).
    public struct LostStreams: Sendable, Hashable {
        public var request: Request
        /// The connection whose subscription it succeeds.
        public var previousConnection: Int
        /// The pairs that were subscribed before and are not now, sorted.
        public var lost: [StreamKey]
        /// How many pairs there were before.
        public var before: Int
    }

    /// Every request that lost streams, in order.
    public func lostStreams() -> [LostStreams] {
        var current: [Int: Request] = [:]
        var lastClosed: Request?
        var result: [LostStreams] = []
        for event in sessions {
            switch event {
            case .connect:
                continue
            case .close(let connection):
                if let request = current.removeValue(forKey: connection) { lastClosed = request }
            case .request(let index):
                let request = requests[index]
                if let previous = current[request.connection] ?? lastClosed {
                    let now = Set(request.streams)
                    let lost = Set(previous.streams).subtracting(now).sorted()
                    if !lost.isEmpty {
                        result.append(
                            LostStreams(
                                request: request,
                                previousConnection: previous.connection,
                                lost: lost,
                                before: Set(previous.streams).count
                            )
                        )
                    }
                }
                current[request.connection] = request
            }
        }
        return result
    }
}
