import Upbit

/// Rebuilds `frame_facts` from the payloads (`ticktape reindex`), e.g. after the scanner learned
/// a new message type. frame_facts is derived data, so this never touches the log tables.
public enum TapeReindexer {
    /// Returns the number of frames that have facts after the rebuild.
    @discardableResult
    public static func reindex(_ reader: TapeReader) throws(TapeError) -> Int64 {
        let db = reader.db
        do {
            try db.execute("BEGIN IMMEDIATE")
            try db.execute("DELETE FROM frame_facts")
            let insert = try db.prepare(
                """
                INSERT INTO frame_facts (epoch, seq, type, code, event_ms, stream, sid, idem)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """
            )
            // Facts are not read back while they are being rewritten.
            let cursor = try TapeCursor(
                reader: reader,
                filter: TapeFilter(),
                payloads: true,
                events: [],
                readFacts: false
            )
            var count: Int64 = 0
            while let entry = try cursor.next() {
                guard case .frame(let frame) = entry else { continue }
                let r = frame.record
                guard r.direction == .inbound, Opcode.isData(r.opcode) else { continue }
                let facts = UpbitScanner.facts(of: r.payload)
                guard facts.type != nil else { continue }
                insert.bind(1, Int64(r.epoch))
                insert.bind(2, Int64(r.seq))
                insert.bind(3, facts.type)
                insert.bind(4, facts.code)
                insert.bind(5, facts.eventTimeMs)
                insert.bind(6, facts.streamType.map { Int64($0.rawValue) })
                insert.bind(7, facts.sequentialID.map { Int64(bitPattern: $0) })
                insert.bind(8, facts.idempotencyKey.map { Int64(bitPattern: $0) })
                try insert.step()
                insert.reset()
                count += 1
            }
            try db.execute("COMMIT")
            return count
        } catch let error as TapeError {
            try? db.execute("ROLLBACK")
            throw error
        } catch {
            try? db.execute("ROLLBACK")
            throw TapeFile.classify(error, path: reader.path)
        }
    }
}
