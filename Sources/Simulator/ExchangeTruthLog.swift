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
    private struct Output {
        var fd: Int32
        var buffer: [UInt8] = []
    }

    private let output: Locked<Output>

    /// Creates (or truncates) `path`, mode 0600.
    public init(path: String) throws(ExchangeTruthLogError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ExchangeTruthLogError(path: path, reason: String(cString: strerror(errno))) }
        self.output = Locked(Output(fd: fd))
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
    public func record(_ frame: SentFrame) {
        let line = Self.line(for: frame)
        self.output.withLock { output in
            output.buffer += line.utf8
            output.buffer.append(0x0A)
            if output.buffer.count >= 1 << 16 { Self.flush(&output) }
        }
    }

    /// Writes what is buffered and closes the file; later records are dropped.
    public func close() {
        self.output.withLock { output in
            Self.flush(&output)
            if output.fd >= 0 { _ = Foundation.close(output.fd) }
            output.fd = -1
        }
    }

    private static func flush(_ output: inout Output) {
        defer { output.buffer.removeAll(keepingCapacity: true) }
        guard output.fd >= 0 else { return }
        output.buffer.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(output.fd, raw.baseAddress! + offset, raw.count - offset)
                if n <= 0 { break }
                offset += n
            }
        }
    }
}

/// The truth file could not be created.
public struct ExchangeTruthLogError: Error, CustomStringConvertible, Sendable, Equatable {
    public var path: String
    public var reason: String
    public var description: String { "cannot create truth file \(path): \(reason)" }
}
