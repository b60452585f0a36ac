/// One `block` row as a reader sees it, read from a statement that selects
/// `codec, raw_len, crc32, data` (``query(format:)``); `data` is valid until the statement steps.
struct BlockRow {
    var id: Int64
    var codec: Int64
    var rawLength: Int64
    /// Nil for format 1 tapes, which have no crc32 column.
    var crc32: Int64?
    var data: UnsafeRawBufferPointer

    /// The statement reading block `?1` of a tape of `format`: format 1 has no crc32 column, so
    /// NULL stands in for it.
    static func query(format: Int64) -> String {
        "SELECT codec, raw_len, \(checksumColumn(format: format)), data FROM block WHERE id = ?1"
    }

    /// The crc32 column of a tape of `format`, or NULL where it has none.
    static func checksumColumn(format: Int64) -> String {
        format >= TapeFormat.checksumVersion ? "crc32" : "NULL"
    }

    /// A block held elsewhere than in a statement (a shipped block).
    init(id: Int64, codec: Int64, rawLength: Int64, crc32: Int64?, data: UnsafeRawBufferPointer) {
        self.id = id
        self.codec = codec
        self.rawLength = rawLength
        self.crc32 = crc32
        self.data = data
    }

    /// The current row of `statement` (columns codec, raw_len, crc32, data from `first` on) of a
    /// tape of `format`.
    init(_ statement: Statement, id: Int64, format: Int64, first: Int32 = 0) {
        self.id = id
        codec = statement.int64(first)
        rawLength = statement.int64(first + 1)
        data = statement.blob(first + 3)
        if format >= TapeFormat.checksumVersion {
            // NULL (the NOT NULL constraint edited away) becomes a value no CRC-32 has, so that
            // the block fails its proof instead of passing unchecked.
            crc32 = statement.isNull(first + 2) ? -1 : statement.int64(first + 2)
        }
    }
}

/// Proves one payload block as a reader must before trusting a byte of it: a known codec, a
/// raw length in range, data that inflates (or is stored) to exactly that length, and, from
/// format 2 on, the CRC-32 of the raw bytes. Shared by ``TapeCursor`` (every block it reads) and
/// ``TapeVerifier`` (every block of the tape), so that both say the same about the same block.
struct BlockProof {
    private var inflater = Inflater()

    /// Inflates (or copies) `row` into `raw` and checks it; throws
    /// ``TapeError/corrupt(path:reason:)`` naming the block and what is wrong.
    mutating func prove(_ row: BlockRow, into raw: inout [UInt8], path: String) throws(TapeError) {
        let place = "block \(row.id)"
        let rawLength = try RowChecks.inRange(
            row.rawLength,
            0...RowChecks.maxRawLength,
            column: "raw_len",
            path: path,
            at: place
        )
        switch row.codec {
        case 0:
            guard Int64(row.data.count) == rawLength else {
                throw .corrupt(
                    path: path,
                    reason: "\(place) stores \(row.data.count) bytes where raw_len says \(rawLength)"
                )
            }
            raw.removeAll(keepingCapacity: true)
            raw.append(contentsOf: row.data)
        case 1:
            guard rawLength / RowChecks.maxInflateRatio <= Int64(row.data.count),
                inflater.inflate(row.data, rawLength: Int(rawLength), into: &raw)
            else {
                throw .corrupt(path: path, reason: "\(place) does not inflate to its raw_len \(rawLength)")
            }
        default:
            throw .corrupt(path: path, reason: "\(place): codec \(row.codec) is unknown")
        }
        guard let stored = row.crc32 else { return }
        guard let expected = UInt32(exactly: stored) else {
            throw .corrupt(path: path, reason: "\(place): crc32 \(stored) is out of range")
        }
        let computed = raw.withUnsafeBytes { BlockChecksum.crc32($0) }
        guard computed == expected else {
            throw .corrupt(
                path: path,
                reason:
                    "\(place) fails its checksum (CRC-32 \(Self.hex(expected)) stored, \(Self.hex(computed)) computed)"
            )
        }
    }

    mutating func end() { inflater.end() }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }
}

/// One `frame` row read from a statement selecting `epoch, seq, dir, opcode, fragments, mono_ns,
/// recv_off, block, offset, length`, with every column checked against the format's ranges.
struct StoredFrame {
    /// The frame without its payload.
    var record: FrameRecord
    var block: Int64
    var offset: Int64
    var length: Int64

    /// "frame (epoch, seq)", for messages.
    var place: String { "frame (\(record.epoch), \(record.seq))" }

    static func read(_ s: Statement, startedNs: Int64, path: String) throws(TapeError) -> StoredFrame {
        func place() -> String { "frame (\(s.int64(0)), \(s.int64(1)))" }
        let epoch = try RowChecks.epoch(s.int64(0), path: path, at: place())
        let seq = try RowChecks.seq(s.int64(1), path: path, at: place())
        let dir = try RowChecks.inRange(s.int64(2), 0...1, column: "dir", path: path, at: place())
        let opcode = try RowChecks.inRange(s.int64(3), 0...15, column: "opcode", path: path, at: place())
        let fragments = try RowChecks.inRange(
            s.int64(4),
            1...Int64(UInt16.max),
            column: "fragments",
            path: path,
            at: place()
        )
        let monoNs = try RowChecks.monoNs(s.int64(5), path: path, at: place())
        // The writer stores recv_off = recv_ns - started_ns - mono_ns modulo 2^64 (any wall
        // clock is kept, however far from the monotonic one): wrapping restores it exactly.
        let recvNs = startedNs &+ monoNs &+ s.int64(6)
        let block = try RowChecks.inRange(s.int64(7), 1...Int64.max, column: "block", path: path, at: place())
        let offset = try RowChecks.inRange(
            s.int64(8),
            0...RowChecks.maxRawLength,
            column: "offset",
            path: path,
            at: place()
        )
        let length = try RowChecks.inRange(
            s.int64(9),
            0...RowChecks.maxRawLength,
            column: "length",
            path: path,
            at: place()
        )
        return StoredFrame(
            record: FrameRecord(
                epoch: epoch,
                seq: seq,
                direction: dir == 0 ? .inbound : .outbound,
                opcode: FrameOpcode(rawValue: UInt8(opcode)),
                fragments: UInt16(fragments),
                recvNs: recvNs,
                monoNs: monoNs,
                payload: []
            ),
            block: block,
            offset: offset,
            length: length
        )
    }
}
