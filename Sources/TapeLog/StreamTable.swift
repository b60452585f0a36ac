import Exchange

/// Writes `frame_facts` rows, numbering each (type, code) stream once in the `stream` table.
///
/// A stream id costs 2 bytes per row where the type and code as text cost ~18; with the
/// snapshot flag as 0/1 (a zero-byte integer in SQLite's record format) the facts take a
/// fraction of the bytes they took as text. Shared by the writer and `reindex`.
struct StreamTable {
    static let insertFactsSQL = """
        INSERT INTO frame_facts (epoch, seq, stream, event_ms, snapshot, sid, idem)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        """
    static let insertStreamSQL = "INSERT INTO stream (id, type, code) VALUES (?, ?, ?)"

    private struct Key: Hashable {
        var type: String
        var code: String?
    }

    private var ids: [Key: Int64] = [:]

    /// Inserts the facts of frame (epoch, seq), adding its stream first when it is new.
    mutating func insert(
        _ facts: FrameFacts,
        epoch: UInt32,
        seq: UInt64,
        into insertFacts: Statement,
        streams insertStream: Statement
    ) throws(SQLiteError) {
        guard let type = facts.type else { return }
        let key = Key(type: type, code: facts.code)
        let id: Int64
        if let known = ids[key] {
            id = known
        } else {
            id = Int64(ids.count + 1)
            insertStream.bind(1, id)
            insertStream.bind(2, type)
            insertStream.bind(3, facts.code)
            defer { insertStream.rewind() }
            try insertStream.step()
            ids[key] = id
        }
        let s = insertFacts
        defer { s.rewind() }
        s.bind(1, Int64(epoch))
        s.bind(2, Int64(bitPattern: seq))
        s.bind(3, id)
        s.bind(4, facts.eventTime)
        s.bind(5, facts.streamType.map { $0 == .snapshot ? 1 : 0 })
        s.bind(6, facts.sequentialID.map { Int64(bitPattern: $0) })
        s.bind(7, facts.idempotencyKey.map { Int64(bitPattern: $0) })
        try s.step()
    }

    /// The stream type stored as `snapshot`.
    static func streamType(snapshot: Int64?) -> StreamType? {
        snapshot.map { $0 == 1 ? .snapshot : .realtime }
    }
}
