extension TapeReader {
    /// Whether `ticktape relay` recorded this tape (it has the relay tables).
    public var isRelayTape: Bool { (try? hasRelayTables()) == true }

    private func hasRelayTables() throws(SQLiteError) -> Bool {
        try db.scalarInt("SELECT count(*) FROM sqlite_master WHERE name = 'relay_session'") == 1
    }

    /// The relay journal of a tape `ticktape relay` recorded (`Schemas/relay.sql`); nil for any
    /// other tape. Rows are checked for range; what they mean is the relay's to judge.
    public func relayJournal() throws(TapeError) -> RelayJournalLog? {
        do {
            guard try hasRelayTables() else { return nil }
            let r = try db.prepare("SELECT rules FROM relay_session WHERE id = 1")
            guard try r.step(), let rules = r.string(0) else {
                throw TapeError.corrupt(path: path, reason: "relay_session: the row is missing")
            }
            var events: [RelayEventRecord] = []
            let e = try db.prepare(
                """
                SELECT consumer, kind, epoch, after_seq, wall_ns, mono_ns, spec, request, detail
                FROM relay_event ORDER BY id
                """
            )
            while try e.step() {
                let place = "relay_event of consumer \(e.int64(0))"
                let epoch = try RowChecks.inRange(
                    e.int64(2),
                    0...Int64(UInt32.max),
                    column: "epoch",
                    path: path,
                    at: place
                )
                let after = try RowChecks.inRange(e.int64(3), 0...Int64.max, column: "after_seq", path: path, at: place)
                guard let kind = e.string(1), ["open", "request", "close"].contains(kind) else {
                    throw TapeError.corrupt(
                        path: path,
                        reason: "\(place): kind \(RowChecks.quoted(e.string(1))) is unknown"
                    )
                }
                events.append(
                    RelayEventRecord(
                        consumer: e.int64(0),
                        kind: kind,
                        epoch: UInt32(epoch),
                        afterSeq: UInt64(after),
                        wallNs: e.int64(4),
                        monoNs: e.int64(5),
                        spec: e.string(6),
                        request: e.string(7),
                        detail: e.string(8)
                    )
                )
            }
            var marks: [RelayMarkRecord] = []
            let m = try db.prepare(
                """
                SELECT consumer, from_op, to_op, marks, delivered, dropped, coalesced, depth, digest
                FROM relay_mark ORDER BY id
                """
            )
            while try m.step() {
                let place = "relay_mark of consumer \(m.int64(0))"
                let from = try RowChecks.inRange(m.int64(1), 0...Int64.max, column: "from_op", path: path, at: place)
                let to = try RowChecks.inRange(m.int64(2), from...Int64.max, column: "to_op", path: path, at: place)
                for (column, index) in [("delivered", Int32(4)), ("dropped", 5), ("coalesced", 6), ("depth", 7)] {
                    _ = try RowChecks.inRange(
                        m.int64(index),
                        0...Int64(Int32.max),
                        column: column,
                        path: path,
                        at: place
                    )
                }
                marks.append(
                    RelayMarkRecord(
                        consumer: m.int64(0),
                        fromOp: UInt64(from),
                        toOp: UInt64(to),
                        marks: Array(m.blob(3)),
                        delivered: m.int64(4),
                        dropped: m.int64(5),
                        coalesced: m.int64(6),
                        depth: m.int64(7),
                        digest: m.string(8) ?? ""
                    )
                )
            }
            return RelayJournalLog(rules: rules, events: events, marks: marks)
        } catch let error as TapeError {
            throw error
        } catch {
            throw TapeFile.classify(error, path: path)
        }
    }
}

extension TapeReader {
    /// Bytes of the database pages the relay tables take, and of the whole file (SQLite's
    /// `dbstat`); nil when this SQLite lacks it.
    public func relayPageBytes() -> (relay: Int64, total: Int64)? {
        guard let relay = try? db.scalarInt("SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name LIKE 'relay_%'"),
            let total = try? db.scalarInt("SELECT coalesce(sum(pgsize), 0) FROM dbstat")
        else { return nil }
        return (Int64(relay), Int64(total))
    }
}
