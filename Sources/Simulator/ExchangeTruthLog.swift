import Foundation
import Primitives
import Upbit
import Wire

/// `simulate --truth FILE`: one JSON line per data frame the server wrote, so that a
/// recording can be compared with what was really sent, byte for byte:
///
/// `{"conn":2,"epoch":2,"index":17,"type":"trade","code":"KRW-BTC","stream_type":"REALTIME","bytes":391,"sha256":"…"}`
///
/// `conn` numbers connections in accept order (with one recorder reconnecting after each cut it
/// is that recorder's epoch); `epoch` is the simulator's epoch when the connection opened (1 +
/// cuts so far); `index` counts the connection's data frames 1, 2, 3 … in write order (replies
/// included, control frames not), which is the order of the recording's inbound data frames;
/// `stream_type` is null for replies (`status`, `error`, `list`); `sha256` is over the exact
/// payload. Lines of different connections interleave in write order.
public final class ExchangeTruthLog: Sendable {
    private let file: LineFile

    /// Creates (or truncates) `path`, mode 0600.
    public init(path: String) throws(ExchangeTruthLogError) {
        do {
            file = try LineFile(path: path)
        } catch {
            throw ExchangeTruthLogError(path: path, reason: error.reason)
        }
    }

    /// The line for `frame`, without its newline.
    public static func line(for frame: SentFrame) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(240)
        out += #"{"conn":\#(frame.connection),"epoch":\#(frame.epoch),"index":\#(frame.index),"type":"#.utf8
        JSONValue.writeString(frame.type, to: &out)
        out += #","code":"#.utf8
        if let code = frame.code { JSONValue.writeString(code, to: &out) } else { out += "null".utf8 }
        out += #","stream_type":"#.utf8
        out += (frame.streamType.map { "\"\($0.name)\"" } ?? "null").utf8
        out += #","bytes":\#(frame.payload.count),"sha256":""#.utf8
        out += SHA256.hex(SHA256.hash(frame.payload)).utf8
        out += #""}"#.utf8
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the line of `frame` (written in 64 KiB chunks; ``close()`` writes the rest).
    public func record(_ frame: SentFrame) { file.append(Self.line(for: frame).utf8) }

    /// Writes what is buffered and closes the file; later records are dropped.
    public func close() { file.close() }
}

/// The truth file could not be created.
public struct ExchangeTruthLogError: Error, CustomStringConvertible, Sendable, Equatable {
    public var path: String
    public var reason: String
    public var description: String { "cannot create truth file \(path): \(reason)" }
}
