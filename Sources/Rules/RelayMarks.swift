/// How far a live consumer had taken its queue, in the compact form the relay journals.
///
/// Every operation on a consumer's queue (an event offered, a request, a close) is numbered
/// 1, 2, 3 … per consumer. Before each, the relay notes the queue depth; a mark is kept only when
/// that depth differs from the previous operation's, so a consumer that keeps up (depth 0 every
/// time) and one that is stuck (depth = capacity every time) cost nothing. A replay takes from
/// the queue until its depth is the marked one: what was taken between two operations is fixed
/// by that count, because takes always pop the head.
///
/// Encoded as pairs of unsigned LEB128 varints: (operation − previous marked operation, depth).
public struct RelayMarks: Sendable, Hashable {
    /// (operation, depth before it), in operation order.
    public private(set) var marks: [(op: UInt64, depth: Int)] = []

    public init() {}

    /// Decodes `bytes`; nil when they are not whole pairs of varints or an operation repeats.
    public init?(decoding bytes: [UInt8]) {
        var i = 0
        var op: UInt64 = 0
        func varint() -> UInt64? {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while i < bytes.count, shift < 64 {
                let byte = bytes[i]
                i += 1
                value |= UInt64(byte & 0x7F) << shift
                if byte & 0x80 == 0 { return value }
                shift += 7
            }
            return nil
        }
        while i < bytes.count {
            guard let delta = varint(), delta > 0, let depth = varint(), depth <= UInt64(Int32.max) else {
                return nil
            }
            let (next, overflow) = op.addingReportingOverflow(delta)
            guard !overflow else { return nil }
            op = next
            marks.append((op, Int(depth)))
        }
    }

    public static func == (lhs: RelayMarks, rhs: RelayMarks) -> Bool {
        lhs.marks.elementsEqual(rhs.marks) { $0.op == $1.op && $0.depth == $1.depth }
    }

    public func hash(into hasher: inout Hasher) {
        for mark in marks {
            hasher.combine(mark.op)
            hasher.combine(mark.depth)
        }
    }

    public var isEmpty: Bool { marks.isEmpty }

    /// Adds a mark; `op` must exceed the last one.
    public mutating func append(op: UInt64, depth: Int) { marks.append((op, depth)) }

    /// The pairs as varints, each operation relative to `previous` (the last operation marked
    /// before these; 0 for a consumer's first).
    public func encoded(after previous: UInt64) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(marks.count * 3)
        var last = previous
        func put(_ value: UInt64) {
            var v = value
            while v >= 0x80 {
                bytes.append(UInt8(v & 0x7F) | 0x80)
                v >>= 7
            }
            bytes.append(UInt8(v))
        }
        for mark in marks {
            put(mark.op - last)
            put(UInt64(mark.depth))
            last = mark.op
        }
        return bytes
    }

    /// Decodes `bytes` written by ``encoded(after:)`` with the same `previous`.
    public static func decode(_ bytes: [UInt8], after previous: UInt64) -> RelayMarks? {
        guard var marks = RelayMarks(decoding: bytes) else { return nil }
        for i in marks.marks.indices {
            let (op, overflow) = marks.marks[i].op.addingReportingOverflow(previous)
            guard !overflow else { return nil }
            marks.marks[i].op = op
        }
        return marks
    }
}
