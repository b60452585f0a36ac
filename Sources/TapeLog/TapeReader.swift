import CSQLite
import Exchange
import Foundation

/// Reads a tape: the session, lifecycle events, and frames in (epoch, seq) order with their
/// facts and, on request, their payloads. Confined to one thread.
public final class TapeReader {
    /// The tape's path.
    public let path: String
    /// The session row.
    public let session: SessionInfo
    /// The tape's format (`PRAGMA user_version`): 1, or 2 from when blocks carry a CRC-32.
    public let format: Int64
    let db: Database

    /// Opens an existing tape, refusing anything that is not one (exit 2 at the CLI).
    public init(path: String) throws(TapeError) {
        self.path = path
        let opened = try TapeFile.open(path)
        db = opened.db
        format = opened.format
        do {
            let s = try db.prepare(
                "SELECT tool_version, url, subscription, started_ns, sync, commit_ms, chaos FROM session WHERE id = 1"
            )
            guard try s.step() else { throw TapeError.corrupt(path: path, reason: "the session row is missing") }
            guard let sync = SyncLevel(rawValue: s.string(4) ?? "") else {
                throw TapeError.corrupt(path: path, reason: "session: sync \(RowChecks.quoted(s.string(4))) is unknown")
            }
            session = SessionInfo(
                toolVersion: s.string(0) ?? "",
                url: s.string(1) ?? "",
                subscription: s.string(2),
                startedNs: s.int64(3),
                sync: sync,
                commitMs: s.int64(5),
                chaos: s.string(6)
            )
        } catch let error as TapeError {
            throw error
        } catch {
            throw TapeFile.classify(error, path: path)
        }
    }

    /// Every lifecycle event in session order.
    public func events() throws(TapeError) -> [LifecycleRecord] {
        do {
            let s = try db.prepare(
                """
                SELECT epoch, after_seq, kind, wall_ns, mono_ns, close_code, count, detail
                FROM event ORDER BY epoch, after_seq, id
                """
            )
            var result: [LifecycleRecord] = []
            while try s.step() { result.append(try event(s)) }
            return result
        } catch let error as TapeError {
            throw error
        } catch {
            throw TapeFile.classify(error, path: path)
        }
    }

    /// One `event` row (columns as `events()` selects them; more may follow), checked against the
    /// format's ranges.
    func event(_ s: Statement) throws(TapeError) -> LifecycleRecord {
        let rawEpoch = s.int64(0)
        let rawAfter = s.int64(1)
        let place = "event (\(rawEpoch), \(rawAfter))"
        guard let kind = LifecycleKind(rawValue: s.string(2) ?? "") else {
            throw TapeError.corrupt(path: path, reason: "\(place): kind \(RowChecks.quoted(s.string(2))) is unknown")
        }
        let epoch = try RowChecks.epoch(rawEpoch, allowZero: kind != .connect, path: path, at: place)
        let afterSeq = UInt64(
            try RowChecks.inRange(rawAfter, 0...Int64.max, column: "after_seq", path: path, at: place)
        )
        if kind == .connect, afterSeq != 0 {
            throw TapeError.corrupt(path: path, reason: "\(place): a connect event must have after_seq 0")
        }
        var count = s.optionalInt64(6)
        if kind == .loss {
            guard let declared = count else {
                throw TapeError.corrupt(path: path, reason: "\(place): a loss event without a count")
            }
            count = try RowChecks.inRange(declared, 1...RowChecks.maxLossCount, column: "count", path: path, at: place)
        }
        return LifecycleRecord(
            kind: kind,
            epoch: epoch,
            afterSeq: afterSeq,
            wallNs: s.int64(3),
            monoNs: try RowChecks.monoNs(s.int64(4), path: path, at: place),
            closeCode: s.optionalInt64(5),
            count: count,
            detail: s.string(7)
        )
    }

    /// Frames and events interleaved in session order, filtered. `payloads: false` skips
    /// inflating blocks (the checks need only facts and times).
    public func entries(_ filter: TapeFilter = TapeFilter(), payloads: Bool = true) throws(TapeError) -> TapeCursor {
        let events = try self.events().filter { filter.matches($0) }
        return try TapeCursor(reader: self, filter: filter, payloads: payloads, events: events)
    }

    /// Entries in ARRIVAL order: each epoch's entries in seq order, epochs merged by their
    /// monotonic times, so a stale-epoch tail (frames of an old connection arriving after the
    /// next one opened) is seen when it arrived. This is the order replay and checks use.
    /// Only the epochs overlapping the current time are open at once.
    public func arrivals(_ filter: TapeFilter = TapeFilter(), payloads: Bool = true) throws(TapeError) -> ArrivalCursor
    {
        try ArrivalCursor(reader: self, filter: filter, payloads: payloads, events: try self.events())
    }

    /// Convenience: every entry, materialised (tests and small tapes).
    public func allEntries(_ filter: TapeFilter = TapeFilter(), payloads: Bool = true) throws(TapeError) -> [TapeEntry]
    {
        let cursor = try entries(filter, payloads: payloads)
        var result: [TapeEntry] = []
        while let entry = try cursor.next() { result.append(entry) }
        return result
    }
}

@available(*, unavailable)
extension TapeReader: Sendable {}

/// Which entries to read. Nil fields match everything.
public struct TapeFilter: Sendable {
    /// Only this epoch.
    public var epoch: UInt32?
    /// Only frames with mono time ≥ this (ns since session start).
    public var fromMonoNs: Int64?
    /// Only frames with mono time < this.
    public var toMonoNs: Int64?
    /// Only frames whose extracted type is one of these (frames without facts are excluded when set).
    public var types: Set<String>?
    /// Only frames whose extracted code is one of these.
    public var codes: Set<String>?

    public init(
        epoch: UInt32? = nil,
        fromMonoNs: Int64? = nil,
        toMonoNs: Int64? = nil,
        types: Set<String>? = nil,
        codes: Set<String>? = nil
    ) {
        self.epoch = epoch
        self.fromMonoNs = fromMonoNs
        self.toMonoNs = toMonoNs
        self.types = types
        self.codes = codes
    }

    func matches(_ event: LifecycleRecord) -> Bool {
        if let epoch, event.epoch != epoch { return false }
        if let fromMonoNs, event.monoNs < fromMonoNs { return false }
        if let toMonoNs, event.monoNs >= toMonoNs { return false }
        return true
    }

    func matches(_ facts: FrameFacts) -> Bool {
        if let types, !(facts.type.map(types.contains) ?? false) { return false }
        if let codes, !(facts.code.map(codes.contains) ?? false) { return false }
        return true
    }
}
