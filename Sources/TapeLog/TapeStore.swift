import CSQLite
import Foundation
import Upbit

/// The SQLite side of the writer, confined to the writer thread: prepared statements, payload
/// blocks, extraction of facts, transactions.
final class TapeStore {
    private let path: String
    private let db: Database
    private let options: WriterOptions
    private let insertFrame: Statement
    private let insertFacts: Statement
    private let insertBlock: Statement
    private let insertEvent: Statement
    private let beginStatement: Statement
    private let commitStatement: Statement
    private var deflater = Deflater()
    private var nextBlockID: Int64 = 1
    // The block being filled: payloads concatenated, and the frames that point into it.
    private var blockPayload: [UInt8] = []
    private var blockFrames: [FrameRecord] = []
    private var blockOffsets: [Int] = []
    // Frames of the open transaction: their arrival times, for the commit-latency histogram.
    private var pendingRecvNs: [Int64] = []
    private(set) var stats = WriterStats()

    init(creating path: String, session: SessionInfo, options: WriterOptions) throws(TapeError) {
        self.path = path
        self.options = options
        try Self.createFile(path)
        do {
            db = try Database(path: path, create: false)
            // "The WAL journaling mode uses a write-ahead log instead of a rollback journal …
            // WAL mode is persistent; after being set it stays in effect across multiple database
            // connections" (sqlite.org/pragma.html#pragma_journal_mode). Set before the schema so
            // the very first transaction is already a WAL commit.
            try db.execute("PRAGMA journal_mode=WAL")
            // "When synchronous is NORMAL … WAL mode is safe from corruption with synchronous=NORMAL"
            // and durable across application crashes; FULL also syncs the WAL on every commit.
            try db.execute("PRAGMA synchronous=\(options.sync == .full ? "FULL" : "NORMAL")")
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
            try db.execute("COMMIT")
            insertFrame = try db.prepare(
                """
                INSERT INTO frame (epoch, seq, dir, opcode, fragments, recv_ns, mono_ns, block, offset, length)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
            )
            insertFacts = try db.prepare(
                """
                INSERT INTO frame_facts (epoch, seq, type, code, event_ms, stream, sid, idem)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """
            )
            insertBlock = try db.prepare("INSERT INTO block (id, codec, raw_len, data) VALUES (?, ?, ?, ?)")
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
        blockPayload.reserveCapacity(options.blockBytes + 64 * 1024)
    }

    /// Creates the file with mode 0600 and O_EXCL, so a tape is never overwritten and never
    /// readable by other users (SPEC §3).
    private static func createFile(_ path: String) throws(TapeError) {
        let fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        if fd < 0 {
            let err = errno
            if err == EEXIST { throw TapeError.exists(path: path) }
            throw TapeError.io(path: path, reason: String(cString: strerror(err)))
        }
        close(fd)
    }

    func begin() throws(TapeError) {
        do {
            try beginStatement.step()
            beginStatement.reset()
        } catch { throw TapeError.io(path: path, reason: error.description) }
    }

    func add(_ frame: FrameRecord) throws(TapeError) {
        blockOffsets.append(blockPayload.count)
        blockPayload.append(contentsOf: frame.payload)
        var meta = frame
        meta.payload = []
        blockFrames.append(meta)
        if frame.direction == .inbound && Opcode.isData(frame.opcode) && options.extractFacts {
            let facts = UpbitScanner.facts(of: frame.payload)
            if facts.type != nil { try insert(facts, epoch: frame.epoch, seq: frame.seq) }
        }
        pendingRecvNs.append(frame.recvNs)
        stats.rawBytes += Int64(frame.payload.count)
        if blockPayload.count >= options.blockBytes { try finishBlock() }
    }

    private func insert(_ facts: FrameFacts, epoch: UInt32, seq: UInt64) throws(TapeError) {
        let s = insertFacts
        s.bind(1, Int64(epoch))
        s.bind(2, Int64(seq))
        s.bind(3, facts.type)
        s.bind(4, facts.code)
        s.bind(5, facts.eventTimeMs)
        s.bind(6, facts.streamType.map { Int64($0.rawValue) })
        s.bind(7, facts.sequentialID.map { Int64(bitPattern: $0) })
        s.bind(8, facts.idempotencyKey.map { Int64(bitPattern: $0) })
        try run(s)
    }

    func add(_ event: LifecycleRecord) throws(TapeError) {
        let s = insertEvent
        s.bind(1, Int64(event.epoch))
        s.bind(2, Int64(event.afterSeq))
        s.bind(3, event.kind.rawValue)
        s.bind(4, event.wallNs)
        s.bind(5, event.monoNs)
        s.bind(6, event.closeCode)
        s.bind(7, event.count)
        s.bind(8, event.detail)
        try run(s)
        stats.eventsCommitted += 1
    }

    private func finishBlock() throws(TapeError) {
        guard !blockFrames.isEmpty else { return }
        let blockID = nextBlockID
        nextBlockID += 1
        let compressed = blockPayload.withUnsafeBytes { deflater.compress($0) }
        let useRaw = compressed.count >= blockPayload.count
        let stored = useRaw ? blockPayload : compressed
        insertBlock.bind(1, blockID)
        insertBlock.bind(2, useRaw ? 0 : 1)
        insertBlock.bind(3, Int64(blockPayload.count))
        stored.withUnsafeBytes { insertBlock.bind(4, blob: $0) }
        try run(insertBlock)
        stats.storedBytes += Int64(stored.count)
        for (i, frame) in blockFrames.enumerated() {
            let s = insertFrame
            s.bind(1, Int64(frame.epoch))
            s.bind(2, Int64(frame.seq))
            s.bind(3, Int64(frame.direction.rawValue))
            s.bind(4, Int64(frame.opcode))
            s.bind(5, Int64(frame.fragments))
            s.bind(6, frame.recvNs)
            s.bind(7, frame.monoNs)
            s.bind(8, blockID)
            s.bind(9, Int64(blockOffsets[i]))
            let end = i + 1 < blockOffsets.count ? blockOffsets[i + 1] : blockPayload.count
            s.bind(10, Int64(end - blockOffsets[i]))
            try run(s)
        }
        blockPayload.removeAll(keepingCapacity: true)
        blockFrames.removeAll(keepingCapacity: true)
        blockOffsets.removeAll(keepingCapacity: true)
    }

    func commit() throws(TapeError) {
        try finishBlock()
        do {
            try commitStatement.step()
            commitStatement.reset()
        } catch { throw TapeError.io(path: path, reason: error.description) }
        let now = Int64(Date().timeIntervalSince1970 * 1e9)
        for recv in pendingRecvNs { stats.commitLatency.record(now - recv) }
        stats.framesCommitted += Int64(pendingRecvNs.count)
        pendingRecvNs.removeAll(keepingCapacity: true)
        stats.commits += 1
    }

    private func run(_ statement: Statement) throws(TapeError) {
        defer { statement.reset() }
        do { try statement.step() } catch { throw TapeError.io(path: path, reason: error.description) }
    }

    func shutdown() {
        deflater.end()
        // Leave no WAL behind on a clean close: checkpoint so `sqlite3` and copies see one file.
        try? db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    }
}

@available(*, unavailable)
extension TapeStore: Sendable {}
