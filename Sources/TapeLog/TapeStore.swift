import CSQLite
import Foundation

/// The SQLite side of the writer, confined to the writer thread: prepared statements, packed
/// blocks in, transactions out.
final class TapeStore {
    private let path: String
    private let db: Database
    private let startedNs: Int64
    private let insertFrame: Statement
    private let insertFacts: Statement
    private let insertStream: Statement
    private let insertBlock: Statement
    private let insertEvent: Statement
    private let beginStatement: Statement
    private let commitStatement: Statement
    private var nextBlockID: Int64 = 1
    private var streams = StreamTable()
    // Frames of the open transaction: their arrival times, for the commit-latency histogram.
    private var pendingRecvNs: [Int64] = []
    private(set) var inTransaction = false
    private var relayStatements: (Statement, Statement)?
    private(set) var stats = WriterStats()

    init(creating path: String, session: SessionInfo, options: WriterOptions) throws(TapeError) {
        self.path = path
        self.startedNs = session.startedNs
        try Self.createFile(path)
        do {
            db = try Database(path: path, create: false)
            try Self.configure(db, options: options)
            try db.execute("BEGIN")
            try db.execute(TapeSchema.sql)
            let insertSession = try db.prepare(
                """
                INSERT INTO session (id, tool_version, url, subscription, started_ns, sync, commit_ms, chaos)
                VALUES (1, ?, ?, ?, ?, ?, ?, ?)
                """
            )
            insertSession.bind(1, session.toolVersion)
            insertSession.bind(2, session.url)
            insertSession.bind(3, session.subscription)
            insertSession.bind(4, session.startedNs)
            insertSession.bind(5, session.sync.rawValue)
            insertSession.bind(6, session.commitMs)
            insertSession.bind(7, session.chaos)
            try insertSession.step()
            if let rules = options.relayRules {
                try db.execute(RelaySchema.sql)
                let insertRelay = try db.prepare("INSERT INTO relay_session (id, rules) VALUES (1, ?)")
                insertRelay.bind(1, rules)
                try insertRelay.step()
            }
            try db.execute("COMMIT")
            insertFrame = try db.prepare(
                """
                INSERT INTO frame (epoch, seq, dir, opcode, fragments, mono_ns, recv_off, block, offset, length)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
            )
            insertFacts = try db.prepare(StreamTable.insertFactsSQL)
            insertStream = try db.prepare(StreamTable.insertStreamSQL)
            insertBlock = try db.prepare("INSERT INTO block (id, codec, raw_len, crc32, data) VALUES (?, ?, ?, ?, ?)")
            insertEvent = try db.prepare(
                """
                INSERT INTO event (epoch, after_seq, kind, wall_ns, mono_ns, close_code, count, detail)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """
            )
            beginStatement = try db.prepare("BEGIN")
            commitStatement = try db.prepare("COMMIT")
        } catch {
            throw TapeError.io(path: path, reason: error.description)
        }
    }

    /// Connection settings of a tape being written; the write bench's baseline uses them too.
    static func configure(_ db: Database, options: WriterOptions) throws(SQLiteError) {
        // 4 KiB pages (SQLite's default, stated so the choice is visible): larger pages make the
        // file no smaller, because a block's cell leaves part of a leaf page empty and smaller
        // pages waste less. It must be set before the first table exists.
        try db.execute("PRAGMA page_size=4096")
        // "The WAL journaling mode uses a write-ahead log instead of a rollback journal …
        // WAL mode is persistent; after being set it stays in effect across multiple database
        // connections" (sqlite.org/pragma.html#pragma_journal_mode). Set before the schema so
        // the very first transaction is already a WAL commit.
        try db.execute("PRAGMA journal_mode=WAL")
        // "When synchronous is NORMAL … WAL mode is safe from corruption with synchronous=NORMAL"
        // and durable across application crashes; FULL also syncs the WAL on every commit.
        try db.execute("PRAGMA synchronous=\(options.sync == .full ? "FULL" : "NORMAL")")
    }

    /// Creates the file with mode 0600 and O_EXCL, so a tape is never overwritten and never
    /// readable by other users.
    private static func createFile(_ path: String) throws(TapeError) {
        let fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        if fd < 0 {
            let err = errno
            if err == EEXIST { throw TapeError.exists(path: path) }
            throw TapeError.io(path: path, reason: String(cString: strerror(err)))
        }
        close(fd)
    }

    /// Inserts one packed block, its frames, their facts and the events among them, opening a
    /// transaction when none is open.
    func insert(_ block: PackedBlock) throws(TapeError) {
        if !inTransaction {
            try run(beginStatement)
            inTransaction = true
        }
        let blockID = nextBlockID
        if block.frames > 0 {
            nextBlockID += 1
            insertBlock.bind(1, blockID)
            insertBlock.bind(2, block.codec)
            insertBlock.bind(3, Int64(block.rawLength))
            insertBlock.bind(4, Int64(block.crc32))
            block.data.withUnsafeBytes { insertBlock.bind(5, blob: $0) }
            try run(insertBlock)
            stats.rawBytes += Int64(block.rawLength)
            stats.storedBytes += Int64(block.data.count)
        }
        for item in block.items {
            switch item {
            case .frame(let row): try insert(row, block: blockID)
            case .event(let event): try insert(event)
            case .relay(let row): try insert(row)
            }
        }
    }

    private func insert(_ row: FrameRow, block: Int64) throws(TapeError) {
        let frame = row.record
        let s = insertFrame
        s.bind(1, Int64(frame.epoch))
        s.bind(2, Int64(bitPattern: frame.seq))
        s.bind(3, Int64(frame.direction.rawValue))
        s.bind(4, Int64(frame.opcode.rawValue))
        s.bind(5, Int64(frame.fragments))
        s.bind(6, frame.monoNs)
        s.bind(7, frame.recvNs &- startedNs &- frame.monoNs)
        s.bind(8, block)
        s.bind(9, Int64(row.offset))
        s.bind(10, Int64(row.length))
        try run(s)
        pendingRecvNs.append(frame.recvNs)
        if let facts = row.facts {
            do {
                try streams.insert(facts, epoch: frame.epoch, seq: frame.seq, into: insertFacts, streams: insertStream)
            } catch { throw TapeError.io(path: path, reason: error.description) }
        }
    }

    private func insert(_ row: RelayRow) throws(TapeError) {
        if relayStatements == nil {
            do {
                relayStatements = (
                    try db.prepare(
                        """
                        INSERT INTO relay_event (consumer, kind, epoch, after_seq, wall_ns, mono_ns, spec, request, detail)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """
                    ),
                    try db.prepare(
                        """
                        INSERT INTO relay_mark (consumer, from_op, to_op, marks, delivered, dropped, coalesced, depth, digest)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """
                    )
                )
            } catch {
                throw TapeError.io(path: path, reason: "relay rows on a tape without relay tables: \(error)")
            }
        }
        guard let (insertRelayEvent, insertRelayMark) = relayStatements else { return }
        switch row {
        case .event(let event):
            let s = insertRelayEvent
            s.bind(1, event.consumer)
            s.bind(2, event.kind)
            s.bind(3, Int64(event.epoch))
            s.bind(4, Int64(bitPattern: event.afterSeq))
            s.bind(5, event.wallNs)
            s.bind(6, event.monoNs)
            s.bind(7, event.spec)
            s.bind(8, event.request)
            s.bind(9, event.detail)
            try run(s)
        case .mark(let mark):
            let s = insertRelayMark
            s.bind(1, mark.consumer)
            s.bind(2, Int64(bitPattern: mark.fromOp))
            s.bind(3, Int64(bitPattern: mark.toOp))
            mark.marks.withUnsafeBytes { s.bind(4, blob: $0) }
            s.bind(5, mark.delivered)
            s.bind(6, mark.dropped)
            s.bind(7, mark.coalesced)
            s.bind(8, mark.depth)
            s.bind(9, mark.digest)
            try run(s)
        }
    }

    private func insert(_ event: LifecycleRecord) throws(TapeError) {
        let s = insertEvent
        s.bind(1, Int64(event.epoch))
        s.bind(2, Int64(bitPattern: event.afterSeq))
        s.bind(3, event.kind.rawValue)
        s.bind(4, event.wallNs)
        s.bind(5, event.monoNs)
        s.bind(6, event.closeCode)
        s.bind(7, event.count)
        s.bind(8, event.detail)
        try run(s)
        stats.eventsCommitted += 1
    }

    /// Commits the open transaction, if any.
    func commit() throws(TapeError) {
        guard inTransaction else { return }
        try run(commitStatement)
        inTransaction = false
        let now = wallClockNs()
        for recv in pendingRecvNs {
            // Imported tapes may carry any wall time: clamp instead of trapping on overflow.
            let (latency, overflow) = now.subtractingReportingOverflow(recv)
            stats.commitLatency.record(overflow ? (recv < 0 ? .max : 0) : latency)
        }
        stats.framesCommitted += Int64(pendingRecvNs.count)
        pendingRecvNs.removeAll(keepingCapacity: true)
        stats.commits += 1
    }

    private func run(_ statement: Statement) throws(TapeError) {
        // Every parameter is bound on every execution, so bindings need no clearing.
        defer { statement.rewind() }
        do { try statement.step() } catch { throw TapeError.io(path: path, reason: error.description) }
    }

    func shutdown() {
        // Leave no WAL behind on a clean close: checkpoint so `sqlite3` and copies see one file.
        try? db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    }
}

@available(*, unavailable)
extension TapeStore: Sendable {}
