import Foundation
import Primitives
import Upbit

/// `serve --sent-log FILE`: what the server told each client, one JSON line per event, so that
/// `check --deliveries … --sent-log FILE` knows the tape frame (and so the epoch) behind every
/// message a client applied:
///
/// ```
/// {"conn":1,"event":"connect","t_ns":…}
/// {"conn":1,"event":"request","streams":[["ticker","KRW-BTC"],["trade","KRW-BTC"]],"format":"DEFAULT","t_ns":…}
/// {"conn":1,"epoch":1,"seq":42,"type":"trade","code":"KRW-BTC","stream_type":"SNAPSHOT","key":"…","t_ns":…}
/// {"conn":1,"event":"close","t_ns":…}
/// ```
///
/// `conn` numbers connections in accept order; `epoch` and `seq` name the tape frame the message
/// was recorded as (a SNAPSHOT on subscribe names the frame its state came from); `key` is the
/// idempotency key of the bytes written, as the client computes it from what it received (16 hex
/// digits); `t_ns` is the wall clock in ns since 1970. Replies (status, errors, lists) are not
/// logged. Lines are buffered and written in 64 KiB chunks, and at every connection's close, so
/// the log is whole for every client that has gone; ``close()`` writes the rest.
public final class SentLogWriter: Sendable {
    private let file: LineFile

    /// Creates (or truncates) `path`, mode 0600.
    public init(path: String) throws(SentLogError) {
        do {
            file = try LineFile(path: path)
        } catch {
            throw SentLogError(path: path, reason: error.reason)
        }
    }

    /// The hooks that feed this log, set on `options`.
    public func attach(to options: inout UpbitExchangeHandler.Options) {
        options.onSent = { [self] frame in self.sent(frame) }
        options.onRequest = { [self] connection, request in self.request(connection, request) }
        options.onConnection = { [self] connection, opened in self.connection(connection, opened: opened) }
    }

    /// Logs a market message written to a client; replies are skipped.
    public func sent(_ frame: SentFrame) {
        guard let streamType = frame.streamType, let origin = frame.origin else { return }
        var out: [UInt8] = []
        out.reserveCapacity(200)
        out += #"{"conn":\#(frame.connection),"epoch":\#(origin.epoch),"seq":\#(origin.seq),"type":"#.utf8
        JSONValue.writeString(frame.type, to: &out)
        out += #","code":"#.utf8
        if let code = frame.code { JSONValue.writeString(code, to: &out) } else { out += "null".utf8 }
        out += #","stream_type":""#.utf8
        out += streamType.name.utf8
        out += #"","key":""#.utf8
        let key = UpbitScanner.facts(of: frame.payload).idempotencyKey ?? 0
        let digits = String(key, radix: 16)
        out += String(repeating: "0", count: 16 - digits.count).utf8
        out += digits.utf8
        out += #"","t_ns":\#(Self.now())}"#.utf8
        self.append(out, flush: false)
    }

    /// Logs a client's subscription request: the (type, code) pairs it asked for and its format.
    public func request(_ connection: Int, _ request: UpbitSubscription) {
        var out: [UInt8] = []
        out += #"{"conn":\#(connection),"event":"request","streams":["#.utf8
        var first = true
        for t in request.types {
            let codes = t.codes.isEmpty ? [""] : t.codes.map(UpbitScanner.stripDepthSuffix)
            for code in codes {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                out.append(UInt8(ascii: "["))
                JSONValue.writeString(t.type, to: &out)
                out.append(UInt8(ascii: ","))
                JSONValue.writeString(code, to: &out)
                out.append(UInt8(ascii: "]"))
            }
        }
        out += #"],"format":"#.utf8
        JSONValue.writeString((request.format ?? .default).rawValue, to: &out)
        out += #","t_ns":\#(Self.now())}"#.utf8
        self.append(out, flush: false)
    }

    /// Logs a connection opening or ending; an end writes the buffer out.
    public func connection(_ connection: Int, opened: Bool) {
        let event = opened ? "connect" : "close"
        self.append(Array(#"{"conn":\#(connection),"event":"\#(event)","t_ns":\#(Self.now())}"#.utf8), flush: !opened)
    }

    /// Writes what is buffered and closes the file; later events are dropped.
    public func close() { file.close() }

    private func append(_ line: [UInt8], flush: Bool) { file.append(line, flush: flush) }

    private static func now() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }
}

/// The sent log could not be created.
public struct SentLogError: Error, CustomStringConvertible, Sendable, Equatable {
    public var path: String
    public var reason: String
    public var description: String { "cannot create sent log \(path): \(reason)" }
}
