import Exchange
import Foundation
import Primitives
import Rules

/// What a user's client applied, read from its deliveries log (`check --deliveries FILE`): one
/// JSONL line per message, in the order the client applied them.
///
/// A line is either the message exactly as the client received it (DEFAULT or SIMPLE keys, as
/// text), or `{"message": …, "t_ns": …}` with the message as a JSON object or a string and the
/// time the client applied it. A one-element array holding the message (what a `JSON_LIST` or
/// `SIMPLE_LIST` connection receives) counts as the message. Blank lines are skipped.
///
/// - A line that is not JSON is bad input (``DeliveriesLogError``, naming the line), except a
///   final line with no newline after it: a client killed while appending leaves one, and
///   everything before it is still worth checking (``tornTail`` says it was ignored).
/// - A JSON line that is not a market message the profile recognises, or lacks the facts that
///   identify it (event time, idempotency key), is kept in ``rejected``: the check reports it as
///   an `unknown` violation, as it reports a message that matches no frame.
///
/// The file is read in chunks: a log of a million lines costs its ``AppliedLine`` records
/// (about 80 bytes each), not its text.
public struct ClientDeliveries: Sendable {
    /// The log's path, as given.
    public let path: String
    /// The market messages, in log order.
    public internal(set) var lines: [AppliedLine] = []
    /// Lines that are JSON but not an identifiable market message, with the reason.
    public internal(set) var rejected: [(line: Int, reason: String)] = []
    /// The number of a torn final line that was ignored, if any.
    public internal(set) var tornTail: Int?
    /// Non-blank lines read.
    public internal(set) var lineCount = 0

    /// Reads and identifies every line of the log at `path` with `profile`, in 4 MiB chunks.
    public static func read(path: String, profile: any ExchangeProfile) throws(DeliveriesLogError) -> ClientDeliveries {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw DeliveriesLogError(
                path: path,
                line: nil,
                reason: "cannot read it (\(String(cString: strerror(errno))))"
            )
        }
        defer { _ = close(fd) }
        var log = ClientDeliveries(path: path)
        var buffer = [UInt8](repeating: 0, count: 1 << 22)
        var filled = 0
        var base = 0
        var number = 0
        var end = false
        while !end {
            if filled == buffer.count { buffer += [UInt8](repeating: 0, count: buffer.count) }
            let n = buffer.withUnsafeMutableBytes { readFile(fd, $0.baseAddress! + filled, $0.count - filled) }
            if n < 0 {
                if errno == EINTR { continue }
                throw DeliveriesLogError(
                    path: path,
                    line: nil,
                    reason: "cannot read it (\(String(cString: strerror(errno))))"
                )
            }
            if n == 0 { end = true } else { filled += n }
            let outcome = buffer.withUnsafeBytes { raw -> Result<Int, DeliveriesLogError> in
                do throws(DeliveriesLogError) {
                    let chunk = UnsafeRawBufferPointer(rebasing: raw[0..<filled])
                    return .success(try log.scan(chunk, base: base, number: &number, final: end, profile: profile))
                } catch {
                    return .failure(error)
                }
            }
            let consumed = try outcome.get()
            if consumed > 0 {
                buffer.withUnsafeMutableBytes { raw in
                    raw.baseAddress!.copyMemory(from: raw.baseAddress! + consumed, byteCount: filled - consumed)
                }
                filled -= consumed
                base += consumed
            }
        }
        return log
    }

    /// Identifies the complete lines of `chunk` (which starts at file offset `base`), and the last
    /// one too when `final`; returns the bytes consumed.
    mutating func scan(
        _ chunk: UnsafeRawBufferPointer,
        base: Int,
        number: inout Int,
        final: Bool,
        profile: any ExchangeProfile
    ) throws(DeliveriesLogError) -> Int {
        var start = 0
        while start < chunk.count {
            var end = start
            while end < chunk.count, chunk[end] != 0x0A { end += 1 }
            let terminated = end < chunk.count
            guard terminated || final else { break }
            number += 1
            var last = end
            if last > start, chunk[last - 1] == 0x0D { last -= 1 }
            let line = UnsafeRawBufferPointer(rebasing: chunk[start..<last])
            if !Self.isBlank(line) {
                lineCount += 1
                try identify(line, number: number, offset: base + start, terminated: terminated, profile: profile)
            }
            start = terminated ? end + 1 : end
        }
        return start
    }

    private mutating func identify(
        _ line: UnsafeRawBufferPointer,
        number: Int,
        offset: Int,
        terminated: Bool,
        profile: any ExchangeProfile
    ) throws(DeliveriesLogError) {
        // The common case: the message itself, identified without a parse.
        let direct = profile.facts(of: line)
        if Self.isMarket(direct) {
            append(direct, number: number, offset: offset, length: line.count, wrapped: false, tNs: nil)
            return
        }
        // `JSON_LIST` / `SIMPLE_LIST` connections receive each message as a one-element array.
        if let inner = Self.listElement(line) {
            let facts = profile.facts(of: UnsafeRawBufferPointer(rebasing: line[inner]))
            if Self.isMarket(facts) {
                append(facts, number: number, offset: offset, length: line.count, wrapped: false, tNs: nil)
                return
            }
        }
        let members: [JSONMemberSpan]
        do {
            members = try JSONValue.objectMembers(Array(line))
        } catch {
            if direct.type != nil {
                // The profile recognised it but it is not a market message: JSON all the same.
                rejected.append((number, "is a \(direct.type ?? "") message, not market data"))
                return
            }
            if (try? JSONValue.parse(Array(line))) != nil {
                rejected.append((number, "is not a JSON object"))
                return
            }
            if !terminated {
                tornTail = number
                return
            }
            throw DeliveriesLogError(path: path, line: number, reason: "not a JSON line (\(error))")
        }
        guard let message = members.first(where: { $0.key == "message" }) else {
            rejected.append(
                (number, direct.type.map { "is a \($0) message, not market data" } ?? "is not a market message")
            )
            return
        }
        let tNs = members.first(where: { $0.key == "t_ns" })?.value.int64Value
        let facts: FrameFacts
        switch message.value {
        case .string(let text): facts = profile.facts(of: Array(text.utf8))
        case .object: facts = profile.facts(of: UnsafeRawBufferPointer(rebasing: line[message.valueRange]))
        default:
            rejected.append((number, "has a \"message\" that is neither an object nor a string"))
            return
        }
        guard Self.isMarket(facts) else {
            rejected.append(
                (number, facts.type.map { "is a \($0) message, not market data" } ?? "is not a market message")
            )
            return
        }
        append(facts, number: number, offset: offset, length: line.count, wrapped: true, tNs: tNs)
    }

    private mutating func append(
        _ facts: FrameFacts,
        number: Int,
        offset: Int,
        length: Int,
        wrapped: Bool,
        tNs: Int64?
    ) {
        guard let key = facts.idempotencyKey, let timeMs = facts.eventTimeMs, let type = facts.type else {
            rejected.append((number, "is a \(facts.type ?? "market") message without its event time or identity"))
            return
        }
        lines.append(
            AppliedLine(
                line: number,
                offset: offset,
                length: length,
                wrapped: wrapped,
                type: type,
                code: facts.code ?? "",
                timeMs: timeMs,
                streamType: facts.streamType ?? .realtime,
                key: key,
                tNs: tNs
            )
        )
    }

    /// A reader of lines' messages, the log opened once for all of them; nil when it cannot be
    /// opened again.
    func messageReader() -> MessageReader? {
        FileHandle(forReadingAtPath: path).map(MessageReader.init)
    }

    /// Reads the message text of a line again from the log (for another spelling of it).
    final class MessageReader {
        private let handle: FileHandle

        init(_ handle: FileHandle) { self.handle = handle }

        deinit { try? handle.close() }

        func message(of line: AppliedLine) -> [UInt8]? {
            ClientDeliveries.message(of: line, in: handle)
        }
    }

    private static func message(of line: AppliedLine, in handle: FileHandle) -> [UInt8]? {
        do {
            try handle.seek(toOffset: UInt64(line.offset))
            guard let data = try handle.read(upToCount: line.length), data.count == line.length else { return nil }
            let bytes = [UInt8](data)
            guard line.wrapped else {
                let inner = bytes.withUnsafeBytes { listElement($0) }
                return inner.map { Array(bytes[$0]) } ?? bytes
            }
            guard let member = try JSONValue.objectMembers(bytes).first(where: { $0.key == "message" }) else {
                return nil
            }
            if case .string(let text) = member.value { return Array(text.utf8) }
            return Array(bytes[member.valueRange])
        } catch {
            return nil
        }
    }

    /// The bytes between the brackets of `[ … ]`, when the line is one.
    static func listElement(_ line: UnsafeRawBufferPointer) -> Range<Int>? {
        func space(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0A }
        guard let first = line.firstIndex(where: { !space($0) }), line[first] == UInt8(ascii: "["),
            let last = line.lastIndex(where: { !space($0) }), line[last] == UInt8(ascii: "]"), last > first
        else { return nil }
        return (first + 1)..<last
    }

    /// Market data, not a reply: what a client applies.
    static func isMarket(_ facts: FrameFacts) -> Bool {
        guard let type = facts.type else { return false }
        return type != "status" && type != "error" && type != "list"
    }

    private static func isBlank(_ line: UnsafeRawBufferPointer) -> Bool {
        line.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
    }
}

/// One market message a client applied: its line and the facts that identify it.
public struct AppliedLine: Sendable, Hashable {
    /// 1-based line number in the log.
    public var line: Int
    /// Where the line is in the file, to read it again.
    var offset: Int
    var length: Int
    /// The line is `{"message": …}` rather than the message itself.
    var wrapped: Bool
    public var type: String
    /// Empty for messages without a code (myAsset).
    public var code: String
    /// Event time in milliseconds, as the rules read it.
    public var timeMs: Int64
    public var streamType: StreamType
    /// The message's idempotency key, as spelled in the log.
    public var key: UInt64
    /// `t_ns` of a `{"message": …, "t_ns": …}` line.
    public var tNs: Int64?

    /// The stream key the message belongs to.
    public var streamKey: StreamKey { StreamKey(type: type, code: code) }
}

/// A deliveries log that cannot be read: exit 2 with this one line.
public struct DeliveriesLogError: Error, CustomStringConvertible, Sendable, Equatable {
    public var path: String
    /// The 1-based line, when one line is to blame.
    public var line: Int?
    public var reason: String

    public var description: String {
        line.map { "\(path):\($0): \(reason)" } ?? "\(path): \(reason)"
    }
}

/// `read(2)`, out of reach of the type's own `read` method.
private func readFile(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(fd, buffer, count)
}
