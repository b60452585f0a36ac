/// Reads what a tape has committed, unit by unit, so that it can be shipped elsewhere while the
/// recording goes on: lifecycle events by their row id, and payload blocks by their id with the
/// index of the frames they hold. Both ids only grow, and a transaction always ends after a whole
/// block, so "everything after id N" is exactly what was committed since, whatever was read
/// before. Opens its own SQLite connection; reads never block the writer (WAL).
public final class TapeTail {
    /// The tape's path.
    public let path: String
    /// The session row.
    public let session: SessionInfo
    private let reader: TapeReader
    private let blockQuery: Statement
    private let framesQuery: Statement
    private let eventsQuery: Statement
    private let blockIDsQuery: Statement
    private let epochFramesQuery: Statement
    private let maxEpochQuery: Statement
    /// Per epoch, the first seq not yet met in a block read in order.
    private var nextSeq: [Int64: Int64] = [:]
    /// Where the frames of recently read blocks lie, per epoch: a block read again (a resend)
    /// finds its frames by key instead of scanning.
    private var ranges: [Int64: [(epoch: Int64, first: Int64, last: Int64)]] = [:]
    private var rangeOrder: [Int64] = []

    /// Opens the tape at `path` (being written or finished).
    public init(path: String) throws(TapeError) {
        self.path = path
        reader = try TapeReader(path: path)
        session = reader.session
        do {
            blockQuery = try reader.db.prepare(BlockRow.query(format: reader.format))
            framesQuery = try reader.db.prepare(
                """
                SELECT epoch, seq, dir, opcode, fragments, mono_ns, recv_off, block, offset, length
                FROM frame WHERE block = ?1 ORDER BY epoch, seq
                """
            )
            eventsQuery = try reader.db.prepare(
                """
                SELECT epoch, after_seq, kind, wall_ns, mono_ns, close_code, count, detail, id
                FROM event WHERE id > ?1 ORDER BY id LIMIT ?2
                """
            )
            blockIDsQuery = try reader.db.prepare("SELECT id FROM block WHERE id > ?1 ORDER BY id LIMIT ?2")
            epochFramesQuery = try reader.db.prepare(
                """
                SELECT epoch, seq, dir, opcode, fragments, mono_ns, recv_off, block, offset, length
                FROM frame WHERE epoch = ?1 AND seq >= ?2 AND seq <= ?3 ORDER BY seq
                """
            )
            maxEpochQuery = try reader.db.prepare("SELECT coalesce(max(epoch), 0) FROM frame")
        } catch {
            throw TapeFile.classify(error, path: path)
        }
    }

    /// Committed lifecycle events with a row id above `after`, in id order, at most `limit`.
    public func events(after: Int64, limit: Int) throws(TapeError) -> [(id: Int64, event: LifecycleRecord)] {
        do {
            let s = eventsQuery
            s.reset()
            s.bind(1, after)
            s.bind(2, Int64(limit))
            defer { s.reset() }
            var result: [(Int64, LifecycleRecord)] = []
            // The reader's own row decoding, with its range checks: a damaged row is named, not shipped.
            while try s.step() { result.append((s.int64(8), try reader.event(s))) }
            return result
        } catch let error as TapeError {
            throw error
        } catch {
            throw TapeFile.classify(error, path: path)
        }
    }

    /// Ids of committed payload blocks above `after`, ascending, at most `limit`.
    public func blockIDs(after: Int64, limit: Int) throws(TapeError) -> [Int64] {
        do {
            let s = blockIDsQuery
            s.reset()
            s.bind(1, after)
            s.bind(2, Int64(limit))
            defer { s.reset() }
            var ids: [Int64] = []
            while try s.step() { ids.append(s.int64(0)) }
            return ids
        } catch {
            throw TapeFile.classify(error, path: path)
        }
    }

    /// Block `id` as shipped: its stored (compressed) bytes as they are, and its frames' index.
    public func block(_ id: Int64) throws(TapeError) -> ShippedBlock {
        do {
            blockQuery.reset()
            blockQuery.bind(1, id)
            guard try blockQuery.step() else { throw TapeError.corrupt(path: path, reason: "block \(id) is missing") }
            let row = BlockRow(blockQuery, id: id, format: reader.format)
            var shipped = ShippedBlock(
                id: id,
                codec: UInt8(truncatingIfNeeded: row.codec),
                rawLength: UInt32(truncatingIfNeeded: row.rawLength),
                crc32: row.crc32.map { UInt32(truncatingIfNeeded: $0) },
                data: Array(row.data),
                frames: []
            )
            blockQuery.reset()
            shipped.frames = try frames(of: id)
            return shipped
        } catch let error as TapeError {
            throw error
        } catch {
            throw TapeFile.classify(error, path: path)
        }
    }
}

extension TapeTail {
    /// The frames of block `id`, found by key: the frame table has no index on its block, and a
    /// scan per block would cost a pass over the whole tape each commit. The frames of one epoch
    /// go into blocks in seq order, so those of block `id` follow, in each epoch, the last frame
    /// of the blocks read before it; a block read again uses the ranges noted the first time.
    private func frames(of id: Int64) throws -> [ShippedBlock.Frame] {
        var frames: [ShippedBlock.Frame] = []
        if let known = ranges[id] {
            for range in known {
                try scan(epoch: range.epoch, from: range.first, to: range.last) { row in
                    frames.append(row)
                    return true
                }
            }
            return frames
        }
        maxEpochQuery.reset()
        _ = try maxEpochQuery.step()
        let maxEpoch = maxEpochQuery.int64(0)
        maxEpochQuery.reset()
        var found: [(epoch: Int64, first: Int64, last: Int64)] = []
        if maxEpoch >= 1 {
            for epoch in 1...maxEpoch {
                var first: Int64?
                var last: Int64 = 0
                try scan(epoch: epoch, from: nextSeq[epoch] ?? 1, to: Int64.max) { row in
                    // Block numbers never decrease along an epoch's seq: earlier blocks' frames are
                    // passed over, a later block's frame ends this epoch's part.
                    if row.block < id { return true }
                    guard row.block == id else { return false }
                    if first == nil { first = Int64(row.frame.record.seq) }
                    last = Int64(row.frame.record.seq)
                    frames.append(row.frame)
                    return true
                }
                if let first { found.append((epoch, first, last)) }
            }
        }
        if frames.isEmpty {
            // Not where it should be (a block without frames?): the plain query, then.
            return try scanAll(id)
        }
        for range in found { nextSeq[range.epoch] = range.last + 1 }
        ranges[id] = found
        rangeOrder.append(id)
        if rangeOrder.count > 4096 { ranges.removeValue(forKey: rangeOrder.removeFirst()) }
        return frames
    }

    private func scan(
        epoch: Int64,
        from: Int64,
        to: Int64,
        _ body: ((frame: ShippedBlock.Frame, block: Int64)) throws -> Bool
    ) throws {
        let s = epochFramesQuery
        s.reset()
        defer { s.reset() }
        s.bind(1, epoch)
        s.bind(2, from)
        s.bind(3, to)
        while try s.step() {
            let f = try StoredFrame.read(s, startedNs: session.startedNs, path: path)
            let row = ShippedBlock.Frame(record: f.record, offset: UInt32(f.offset), length: UInt32(f.length))
            guard try body((row, f.block)) else { return }
        }
    }

    private func scan(epoch: Int64, from: Int64, to: Int64, _ body: (ShippedBlock.Frame) throws -> Bool) throws {
        try scan(epoch: epoch, from: from, to: to) { (row: (frame: ShippedBlock.Frame, block: Int64)) in
            try body(row.frame)
        }
    }

    private func scanAll(_ id: Int64) throws -> [ShippedBlock.Frame] {
        framesQuery.reset()
        defer { framesQuery.reset() }
        framesQuery.bind(1, id)
        var frames: [ShippedBlock.Frame] = []
        while try framesQuery.step() {
            let f = try StoredFrame.read(framesQuery, startedNs: session.startedNs, path: path)
            frames.append(ShippedBlock.Frame(record: f.record, offset: UInt32(f.offset), length: UInt32(f.length)))
        }
        return frames
    }
}

@available(*, unavailable)
extension TapeTail: Sendable {}

/// One committed payload block with its frame index, as shipped off the machine: the stored
/// bytes unchanged (compressed as on disk, with the CRC-32 of the raw bytes), so that shipping
/// costs no recompression and the receiver proves every payload byte as a tape reader does.
public struct ShippedBlock: Sendable, Equatable {
    /// A frame of the block: everything but its payload, which is bytes
    /// [offset, offset + length) of the inflated block.
    public struct Frame: Sendable, Equatable {
        /// The frame without its payload.
        public var record: FrameRecord
        /// Where its payload lies in the inflated block.
        public var offset: UInt32
        public var length: UInt32
    }
    /// The block's id in its tape (1, 2, 3 …): its place in commit order.
    public var id: Int64
    /// 0 stored, 1 raw deflate.
    public var codec: UInt8
    /// Length of the inflated bytes.
    public var rawLength: UInt32
    /// Nil for a format 1 tape's blocks.
    public var crc32: UInt32?
    /// The stored bytes, as in the tape's `block.data`.
    public var data: [UInt8]
    /// The block's frames in (epoch, seq) order.
    public var frames: [Frame]

    private static let magic: [UInt8] = Array("TTB1".utf8)

    /// The wire form: `TTB1`, then little-endian id (8), codec (1), raw length (4), has-crc (1),
    /// crc (4), frame count (4), per frame epoch (4) seq (8) dir (1) opcode (1) fragments (2)
    /// recv_ns (8) mono_ns (8) offset (4) length (4), then the data's length (4) and the data.
    public func encoded() -> [UInt8] {
        let size = 4 + 8 + 1 + 4 + 1 + 4 + 4 + frames.count * 40 + 4 + data.count
        return [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            var at = 0
            func put<T: FixedWidthInteger>(_ v: T) {
                withUnsafeBytes(of: v.littleEndian) { bytes in
                    for byte in bytes {
                        buffer[at] = byte
                        at += 1
                    }
                }
            }
            for byte in Self.magic { put(byte) }
            put(id)
            put(codec)
            put(rawLength)
            put(UInt8(crc32 == nil ? 0 : 1))
            put(crc32 ?? 0)
            put(UInt32(frames.count))
            for f in frames {
                put(f.record.epoch)
                put(f.record.seq)
                put(f.record.direction.rawValue)
                put(f.record.opcode.rawValue)
                put(f.record.fragments)
                put(f.record.recvNs)
                put(f.record.monoNs)
                put(f.offset)
                put(f.length)
            }
            put(UInt32(data.count))
            data.withUnsafeBufferPointer { source in
                if let base = source.baseAddress, let target = buffer.baseAddress {
                    (target + at).update(from: base, count: source.count)
                }
            }
            initialized = at + data.count
        }
    }

    /// Parses ``encoded()``; nil when the bytes are not one.
    public static func decode(_ bytes: [UInt8]) -> ShippedBlock? {
        var at = 0
        func take<T: FixedWidthInteger>(_: T.Type) -> T? {
            let size = MemoryLayout<T>.size
            guard at + size <= bytes.count else { return nil }
            var v: T = 0
            for k in 0..<size { v |= T(bytes[at + k]) << (8 * k) }
            at += size
            return v
        }
        guard bytes.count >= 4, Array(bytes[0..<4]) == magic else { return nil }
        at = 4
        guard let id = take(Int64.self), let codec = take(UInt8.self), let raw = take(UInt32.self),
            let hasCRC = take(UInt8.self), let crc = take(UInt32.self), let count = take(UInt32.self),
            Int(count) <= bytes.count / 40
        else { return nil }
        var frames: [Frame] = []
        frames.reserveCapacity(Int(count))
        for _ in 0..<count {
            guard let epoch = take(UInt32.self), let seq = take(UInt64.self), let dir = take(UInt8.self),
                let direction = Direction(rawValue: dir), let opcode = take(UInt8.self),
                let fragments = take(UInt16.self), let recv = take(Int64.self), let mono = take(Int64.self),
                let offset = take(UInt32.self), let length = take(UInt32.self)
            else { return nil }
            frames.append(
                Frame(
                    record: FrameRecord(
                        epoch: epoch,
                        seq: seq,
                        direction: direction,
                        opcode: FrameOpcode(rawValue: opcode),
                        fragments: fragments,
                        recvNs: recv,
                        monoNs: mono,
                        payload: []
                    ),
                    offset: offset,
                    length: length
                )
            )
        }
        guard let dataLength = take(UInt32.self), at + Int(dataLength) == bytes.count else { return nil }
        return ShippedBlock(
            id: id,
            codec: codec,
            rawLength: raw,
            crc32: hasCRC == 0 ? nil : crc,
            data: Array(bytes[at...]),
            frames: frames
        )
    }

    /// The block's frames with their payloads, after proving the block as a tape reader does
    /// (codec, length, CRC-32, every frame inside it); `source` names it in errors.
    public func records(source: String) throws(TapeError) -> [FrameRecord] {
        var proof = BlockProof()
        defer { proof.end() }
        var raw: [UInt8] = []
        let failure: TapeError? = data.withUnsafeBytes { (buffer) -> TapeError? in
            let row = BlockRow(
                id: id,
                codec: Int64(codec),
                rawLength: Int64(rawLength),
                crc32: crc32.map { Int64($0) },
                data: buffer
            )
            do throws(TapeError) {
                try proof.prove(row, into: &raw, path: source)
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw failure }
        var result: [FrameRecord] = []
        result.reserveCapacity(frames.count)
        for f in frames {
            let end = Int(f.offset) + Int(f.length)
            guard end <= raw.count else {
                throw TapeError.corrupt(
                    path: source,
                    reason: "frame (\(f.record.epoch), \(f.record.seq)) lies outside block \(id)"
                )
            }
            var record = f.record
            record.payload = Array(raw[Int(f.offset)..<end])
            result.append(record)
        }
        return result
    }
}
