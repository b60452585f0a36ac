import CSQLite
import Exchange

/// One epoch of a tape read for the checks: its frames and lifecycle events in session order,
/// frames with their facts and no payload.
///
/// The `frame` and `frame_facts` rows of the epoch are stepped side by side in seq order (both
/// tables are keyed by (epoch, seq), so both scans are sequential) and joined with integer
/// compares; only the columns the checks use are read. The next entry is kept in the statement's
/// current row and built only when it is taken, so choosing among epochs costs one comparison.
final class EpochFacts {
    let epoch: UInt32
    private let path: String
    private let frameRows: Statement
    private let factRows: Statement
    private let events: [LifecycleRecord]
    private let streams: StreamFacts
    private var eventIndex = 0
    /// The seq of the row `frameRows` holds, or nil when the epoch has no more frames.
    private var frameSeq: Int64?
    /// The mono time of that row.
    private var frameMonoNs: Int64 = 0
    /// The seq of the row `factRows` holds; `needsStep` before reading one, `Int64.max` at the end.
    private var factsSeq: Int64 = needsStep
    private static let needsStep: Int64 = -1
    /// The facts rows are all read (`factsSeq` is `Int64.max`, which is also a valid seq).
    private var factsEnded = false

    /// Opens epoch `epoch` of the tape `db` with its lifecycle events (in tape order).
    init(
        epoch: UInt32,
        db: Database,
        path: String,
        events: [LifecycleRecord],
        streams: StreamFacts
    ) throws(TapeError) {
        self.epoch = epoch
        self.path = path
        self.events = events
        self.streams = streams
        do {
            frameRows = try db.prepare("SELECT seq, dir, opcode, mono_ns FROM frame WHERE epoch = ?1 ORDER BY seq")
            factRows = try db.prepare(
                "SELECT seq, stream, event_ms, snapshot, sid, idem FROM frame_facts WHERE epoch = ?1 ORDER BY seq"
            )
            frameRows.bind(1, Int64(epoch))
            factRows.bind(1, Int64(epoch))
        } catch {
            throw TapeFile.classify(error, path: path)
        }
        try stepFrame()
        settle()
    }

    /// Whether the epoch has no more entries.
    private(set) var exhausted = false
    /// Whether the next entry is an event (else a frame).
    private var eventIsNext = false
    /// The mono time of the next entry (meaningless when exhausted).
    private(set) var headTime: Int64 = 0

    /// Decides the next entry: an event after frame (e, s) precedes frame (e, s + 1).
    private func settle() {
        let eventDue: Bool
        if eventIndex == events.count {
            eventDue = false
        } else if let seq = frameSeq {
            eventDue = events[eventIndex].afterSeq < UInt64(bitPattern: seq)
        } else {
            eventDue = true
        }
        if eventDue {
            eventIsNext = true
            headTime = events[eventIndex].monoNs
        } else {
            eventIsNext = false
            exhausted = frameSeq == nil
            headTime = frameMonoNs
        }
    }

    /// Takes the next entry (call only when not ``exhausted``).
    func take() throws(TapeError) -> FactEntry {
        if eventIsNext {
            eventIndex += 1
            settle()
            return .event(events[eventIndex - 1])
        }
        let seq = frameSeq ?? 0
        do {
            let epoch = self.epoch
            func place() -> String { "frame (\(epoch), \(seq))" }
            let dir = try RowChecks.inRange(frameRows.int64(1), 0...1, column: "dir", path: path, at: place())
            let opcode = try RowChecks.inRange(frameRows.int64(2), 0...15, column: "opcode", path: path, at: place())
            let frame = FactFrame(
                epoch: epoch,
                seq: UInt64(bitPattern: seq),
                direction: dir == 0 ? .inbound : .outbound,
                opcode: FrameOpcode(rawValue: UInt8(opcode)),
                monoNs: frameMonoNs,
                facts: try facts(for: seq)
            )
            try stepFrame()
            settle()
            return .frame(frame)
        } catch let error as TapeError {
            throw error
        } catch {
            throw TapeFile.classify(error, path: path)
        }
    }

    private func stepFrame() throws(TapeError) {
        let more: Bool
        do { more = try frameRows.step() } catch { throw TapeFile.classify(error, path: path) }
        if more {
            let seq = sqlite3_column_int64(frameRows.handle, 0)
            let epoch = self.epoch
            func place() -> String { "frame (\(epoch), \(seq))" }
            frameSeq = Int64(try RowChecks.seq(seq, path: path, at: place()))
            frameMonoNs = try RowChecks.monoNs(sqlite3_column_int64(frameRows.handle, 3), path: path, at: place())
        } else {
            frameSeq = nil
        }
    }

    @inline(__always)
    private static func optionalInt(_ statement: OpaquePointer, _ column: Int32) -> Int64? {
        guard let value = sqlite3_column_value(statement, column), sqlite3_value_type(value) != SQLITE_NULL else {
            return nil
        }
        return sqlite3_value_int64(value)
    }

    /// The facts row of frame `seq`, skipping facts rows of frames that are not stored (as
    /// ``TapeCursor`` does); empty facts when the frame has none.
    private func facts(for seq: Int64) throws -> FrameFacts {
        while true {
            if factsSeq == Self.needsStep {
                if try factRows.step() {
                    let stored = sqlite3_column_int64(factRows.handle, 0)
                    factsSeq = Int64(try RowChecks.seq(stored, path: path, at: "frame_facts (\(epoch), \(stored))"))
                } else {
                    factsSeq = Int64.max
                    factsEnded = true
                }
            }
            if factsSeq < seq {
                factsSeq = Self.needsStep
                continue
            }
            guard factsSeq == seq, !factsEnded else { return FrameFacts() }
            factsSeq = Self.needsStep
            let h = factRows.handle
            guard var result = streams[sqlite3_column_int64(h, 1)] else {
                throw TapeError.corrupt(path: path, reason: "frame (\(epoch), \(seq)) names no known stream")
            }
            // One API call per nullable column: the value's type and integer come from the same
            // sqlite3_value (valid until the next step), not from two column lookups.
            result.eventTime = Self.optionalInt(h, 2)
            let snapshot = Self.optionalInt(h, 3)
            if let snapshot, snapshot != 0 && snapshot != 1 {
                throw TapeError.corrupt(
                    path: path,
                    reason: "frame_facts (\(epoch), \(seq)): snapshot \(snapshot) is out of range"
                )
            }
            result.streamType = snapshot.map { $0 == 1 ? .snapshot : .realtime }
            result.sequentialID = Self.optionalInt(h, 4).map { UInt64(bitPattern: $0) }
            result.idempotencyKey = Self.optionalInt(h, 5).map { UInt64(bitPattern: $0) }
            return result
        }
    }
}

@available(*, unavailable)
extension EpochFacts: Sendable {}

/// The `stream` table loaded once: for each stream id, facts with its type and code filled in.
/// Ids are small (numbered as first seen), so they index an array.
struct StreamFacts {
    private var dense: [FrameFacts?] = []
    private var sparse: [Int64: FrameFacts] = [:]

    init(db: Database) throws(SQLiteError) {
        let all = try db.prepare("SELECT id, type, code FROM stream")
        while try all.step() {
            let id = all.int64(0)
            let facts = FrameFacts(type: all.string(1) ?? "", code: all.string(2))
            if id >= 0 && id < 65_536 {
                if dense.count <= id { dense.append(contentsOf: repeatElement(nil, count: Int(id) + 1 - dense.count)) }
                dense[Int(id)] = facts
            } else {
                sparse[id] = facts
            }
        }
    }

    subscript(id: Int64) -> FrameFacts? {
        if id >= 0 && id < dense.count { return dense[Int(id)] }
        return sparse[id]
    }
}
