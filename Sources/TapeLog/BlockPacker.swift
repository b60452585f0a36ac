import Exchange

/// A frame as the SQLite thread stores it: where its payload lies in its block, and its facts.
struct FrameRow {
    var record: FrameRecord  // payload emptied: the bytes are in the block
    var offset: Int
    var length: Int
    var facts: FrameFacts?
}

/// One unit of work between the stages: the items of one block, in enqueue order, and once
/// packed, the block's bytes.
enum PackedItem {
    case frame(FrameRow)
    case event(LifecycleRecord)
    case relay(RelayRow)
}

/// A packed block: what the SQLite thread inserts in one go.
struct PackedBlock {
    /// 0 stored as is, 1 raw deflate (see `block.codec` in Schemas/tape.sql).
    var codec: Int64 = 0
    var rawLength = 0
    /// CRC-32 of the raw bytes (`block.crc32`), computed here on the compressor thread.
    var crc32: UInt32 = 0
    var data: [UInt8] = []
    var items: [PackedItem] = []
    var frames = 0
}

/// The compression stage, run on the writer's compressor threads: extracts facts, lays the
/// payloads of one block out grouped by stream, and deflates them.
///
/// Grouping by (type, code) puts messages of the same shape (and of the same market) next to
/// each other, inside deflate's 32 KiB window: the block comes out smaller than in arrival
/// order, and deflate runs faster because it finds longer matches. Each frame row stores its offset,
/// so the layout inside a block is free and reading one frame stays one inflate.
struct BlockPacker {
    private var deflater: Deflater
    private var raw: [UInt8] = []
    private var order: [(type: String, code: String, index: Int)] = []

    init(level: Int32) { deflater = Deflater(level: level) }

    mutating func pack(_ items: [TapeWriter.Item], profile: (any ExchangeProfile)?) -> PackedBlock {
        var block = PackedBlock()
        block.items.reserveCapacity(items.count)
        var payloadBytes = 0
        for item in items {
            switch item {
            case .frame(var frame):
                var facts: FrameFacts?
                if let profile, frame.direction == .inbound && frame.opcode.isData {
                    let extracted = profile.facts(of: frame.payload)
                    if extracted.type != nil { facts = extracted }
                }
                let length = frame.payload.count
                payloadBytes += length
                frame.payload = []
                block.items.append(.frame(FrameRow(record: frame, offset: 0, length: length, facts: facts)))
                block.frames += 1
            case .event(let event):
                block.items.append(.event(event))
            case .relay(let row):
                block.items.append(.relay(row))
            }
        }
        guard block.frames > 0 else { return block }
        layOut(&block, items: items, payloadBytes: payloadBytes)
        let compressed = raw.withUnsafeBytes { deflater.compress($0) }
        block.crc32 = raw.withUnsafeBytes { BlockChecksum.crc32($0) }
        block.rawLength = raw.count
        if compressed.count < raw.count {
            block.codec = 1
            block.data = compressed
        } else {
            block.data = raw
        }
        return block
    }

    /// Concatenates the payloads into `raw`, grouped by (type, code) (frames without facts
    /// first), arrival order within a group, and records each frame's offset.
    private mutating func layOut(_ block: inout PackedBlock, items: [TapeWriter.Item], payloadBytes: Int) {
        order.removeAll(keepingCapacity: true)
        for (i, item) in block.items.enumerated() {
            guard case .frame(let row) = item else { continue }
            order.append((row.facts?.type ?? "", row.facts?.code ?? "", i))
        }
        order.sort { ($0.type, $0.code, $0.index) < ($1.type, $1.code, $1.index) }
        raw.removeAll(keepingCapacity: true)
        raw.reserveCapacity(payloadBytes)
        for (_, _, i) in order {
            guard case .frame(var row) = block.items[i], case .frame(let frame) = items[i] else { continue }
            row.offset = raw.count
            raw.append(contentsOf: frame.payload)
            block.items[i] = .frame(row)
        }
    }

    mutating func end() { deflater.end() }
}
