import Exchange

/// Rebuilds `stream` and `frame_facts` from the payloads (`ticktape reindex`), e.g. after the profile learned
/// a new message type. Both are derived data, so this never touches the log tables.
public enum TapeReindexer {
    /// Rebuilds the facts with `profile`, the exchange profile of the tape's session. Returns the
    /// number of frames that have facts after the rebuild.
    @discardableResult
    public static func reindex(_ reader: TapeReader, profile: any ExchangeProfile) throws(TapeError) -> Int64 {
        let db = reader.db
        do {
            try db.execute("BEGIN IMMEDIATE")
            try db.execute("DELETE FROM frame_facts")
            try db.execute("DELETE FROM stream")
            let insert = try db.prepare(StreamTable.insertFactsSQL)
            let insertStream = try db.prepare(StreamTable.insertStreamSQL)
            var streams = StreamTable()
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
                guard r.direction == .inbound, r.opcode.isData else { continue }
                let facts = profile.facts(of: r.payload)
                guard facts.type != nil else { continue }
                try streams.insert(facts, epoch: r.epoch, seq: r.seq, into: insert, streams: insertStream)
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
