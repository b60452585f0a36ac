import Foundation
import Primitives
import TapeLog
import Upbit

/// How many data frames, and a SHA-256 over their SHA-256s (hex, in order): equal digests mean
/// the same frames, byte for byte, in the same order.
struct FrameDigest {
    var count: Int64 = 0
    private var hasher = Primitives.SHA256()

    mutating func add(hex: UnsafeRawBufferPointer) {
        count += 1
        hasher.update(hex)
    }

    var digest: String { hasher.hex }
}

/// Per connection (truth) or epoch (tape): the ``FrameDigest`` of its data frames.
enum TruthDigests {
    /// From a truth log (`simulate --truth`): `conn` and the `sha256` that ends each line.
    static func read(_ path: String) throws -> [Int: FrameDigest] {
        guard let file = fopen(path, "r") else { throw BenchError("cannot read the truth log \(path)") }
        defer { fclose(file) }
        var digests: [Int: FrameDigest] = [:]
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(line) }
        let prefix = Array(#"{"conn":"#.utf8)
        while case let length = getline(&line, &capacity, file), length > 0, let line {
            let bytes = UnsafeRawBufferPointer(start: line, count: length)
            var end = length
            while end > 0, bytes[end - 1] == 0x0A { end -= 1 }
            guard end > prefix.count + 66, bytes.starts(with: prefix) else {
                throw BenchError("unexpected truth line: \(String(decoding: bytes, as: UTF8.self))")
            }
            var conn = 0
            var i = prefix.count
            while i < end, bytes[i] >= 0x30, bytes[i] <= 0x39 {
                conn = conn * 10 + Int(bytes[i] - 0x30)
                i += 1
            }
            let sha256 = UnsafeRawBufferPointer(rebasing: bytes[(end - 66)..<(end - 2)])
            digests[conn, default: FrameDigest()].add(hex: sha256)
        }
        return digests
    }

    /// From a tape: its inbound data frames (the simulator's truth has only data frames) per epoch.
    static func tape(_ path: String) throws -> [Int: FrameDigest] {
        let cursor = try TapeReader(path: path).entries()
        var digests: [Int: FrameDigest] = [:]
        while let entry = try cursor.next() {
            guard case .frame(let frame) = entry, frame.record.direction == .inbound,
                frame.record.opcode.isData
            else { continue }
            var hex = Primitives.SHA256.hex(Primitives.SHA256.hash(frame.record.payload))
            let epoch = Int(frame.record.epoch)
            hex.withUTF8 { digests[epoch, default: FrameDigest()].add(hex: UnsafeRawBufferPointer($0)) }
        }
        return digests
    }

    /// Connection by connection: truth frames the tape lacks, tape frames the truth lacks, and
    /// whether every connection's digests agree.
    static func compare(
        _ sent: [Int: FrameDigest],
        _ recorded: [Int: FrameDigest]
    ) -> (
        lost: Int64, extra: Int64, match: Bool
    ) {
        var lost: Int64 = 0
        var extra: Int64 = 0
        var match = true
        for key in Set(sent.keys).union(recorded.keys) {
            let s = sent[key] ?? FrameDigest()
            let r = recorded[key] ?? FrameDigest()
            lost += max(0, s.count - r.count)
            extra += max(0, r.count - s.count)
            if s.digest != r.digest { match = false }
        }
        return (lost, extra, match)
    }
}
