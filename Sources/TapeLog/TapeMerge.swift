import Exchange
import Primitives

/// Where a frame of a merged tape came from: its source (1, 2, 3 … in the order given) and its
/// epoch and seq in that source's tape.
public struct FrameOrigin: Sendable, Hashable, Encodable {
    /// The source, 1-based in the order the merge was given.
    public var source: Int
    /// The frame's epoch and seq in that source's tape.
    public var epoch: UInt32
    public var seq: UInt64

    public init(source: Int, epoch: UInt32, seq: UInt64) {
        self.source = source
        self.epoch = epoch
        self.seq = seq
    }
}

/// A stretch of wall-clock time in which one source of a merge has no data, and how the others
/// covered it.
public struct MergeGap: Sendable, Hashable, Encodable {
    /// Why the source has no data there.
    public enum Kind: String, Sendable, Hashable, Encodable {
        /// The source connected after the merged session's first frame.
        case beforeStart = "before_start"
        /// Between two of the source's connections (a disconnect and its reconnect).
        case reconnect
        /// Inside a connection, where the source recorded a `loss` event.
        case loss
        /// The source stopped before the merged session's last frame.
        case afterEnd = "after_end"
    }
    /// The source (1-based).
    public var source: Int
    /// Why the source has no data there.
    public var kind: Kind
    /// The source's epoch the gap follows (0 before its first connection), and its last seq there.
    public var epoch: UInt32
    public var afterSeq: UInt64
    /// The gap in wall-clock Unix nanoseconds, both ends included.
    public var fromNs: Int64
    public var toNs: Int64
    /// For a loss gap: the frames the source said it lost.
    public var missing: Int64?
    /// Frames of the merged tape that other sources gave inside the gap.
    public var frames: Int64
    /// Whether another source was connected for the whole gap (its data is then in the merged tape).
    public var covered: Bool
}

/// The same idempotency key with different payloads in two sources: the first copy in merge order
/// is kept, the other reported.
public struct MergeConflict: Sendable, Hashable, Encodable {
    /// The key as 16 hex digits (as the `frames` view's `idem_key`).
    public var key: String
    /// The copy the merged tape holds (the first in merge order of that stream type).
    public var kept: FrameOrigin
    /// The copy that differs from it.
    public var other: FrameOrigin
}

/// One recording merged.
public struct MergeSourceSummary: Sendable, Hashable, Encodable {
    /// 1-based, in the order given.
    public var source: Int
    /// As given to the merge (a path, or `recorder:session` for a pulled recording).
    public var path: String
    /// The source session's URL, subscription and start (Unix ns).
    public var url: String
    public var subscription: String?
    public var startedNs: Int64
    /// Connections (epochs) the source recorded.
    public var epochs: Int
    /// Inbound data frames read from the source.
    public var frames: Int64
    /// Of those, the frames the merged tape took from this source.
    public var kept: Int64
}

/// What a merge did: its sources, the frames kept, and the coverage of every source's gaps.
/// `inspect` shows it for a merged tape.
public struct MergeReport: Sendable, Hashable, Encodable {
    /// The recordings merged, in the order given.
    public var sources: [MergeSourceSummary]
    /// Frames in the merged tape.
    public var frames: Int64
    /// Copies of a key already taken (the expected overlap of the sources, conflicts included).
    public var duplicates: Int64
    /// Outbound and control frames of the sources, which belong to their own connections and are
    /// not merged.
    public var skipped: Int64
    /// Every gap of every source, by source then time.
    public var gaps: [MergeGap]
    /// Keys met with different payloads.
    public var conflicts: [MergeConflict]
    /// Gaps no other source covered entirely.
    public var uncoveredGaps: Int { gaps.filter { !$0.covered }.count }

    private enum CodingKeys: String, CodingKey {
        case sources, frames, duplicates, skipped, gaps, conflicts, uncoveredGaps
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(sources, forKey: .sources)
        try c.encode(frames, forKey: .frames)
        try c.encode(duplicates, forKey: .duplicates)
        try c.encode(skipped, forKey: .skipped)
        try c.encode(gaps, forKey: .gaps)
        try c.encode(conflicts, forKey: .conflicts)
        try c.encode(uncoveredGaps, forKey: .uncoveredGaps)
    }
}

/// Merges independent recordings of the same subscription (other hosts, other networks) into one
/// session: the idempotency keys that deduplicate a reconnect also merge two recordings.
///
/// The merged tape is one epoch of inbound data frames, each key once, in event order: the
/// sources are read in arrival order and merged by event time (a frame without one keeps its
/// source's last), so each source's own order is kept. Every frame keeps its receive time, and
/// the tape's `merge_*` tables hold its provenance and the coverage report. A key met again with
/// a different payload (compared with the first copy of the same stream type: a SNAPSHOT re-send
/// carries a message time of its own) is a conflict: the first copy stays, the other is reported. Outbound and control frames belong to one connection and
/// are not merged. Gaps are placed on the sources' wall clocks, which must be synchronised (NTP)
/// for the coverage of recordings made on different hosts to be exact.
public enum TapeMerger {
    /// Merges the tapes at `paths` into a new tape at `out` (refused if it exists). `labels` name
    /// the sources in the provenance (default: their paths).
    public static func merge(
        _ paths: [String],
        labels: [String]? = nil,
        out: String,
        toolVersion: String,
        profile: any ExchangeProfile
    ) throws(TapeError) -> MergeReport {
        var sources: [MergeSource] = []
        for (i, path) in paths.enumerated() {
            sources.append(try MergeSource(index: i + 1, reader: TapeReader(path: path)))
        }
        guard let first = sources.first else {
            throw TapeError.outOfOrder("merge needs at least one source")
        }
        let startedNs = sources.map(\.reader.session.startedNs).min() ?? 0
        let writer = try TapeWriter(
            path: out,
            session: SessionInfo(
                toolVersion: toolVersion,
                url: first.reader.session.url,
                subscription: first.reader.session.subscription,
                startedNs: startedNs
            ),
            profile: profile
        )
        var run = MergeRun()
        do {
            try writer.record(LifecycleRecord(kind: .connect, epoch: 1, afterSeq: 0, wallNs: startedNs, monoNs: 0))
            for source in sources { try source.advance() }
            while let source = Self.next(sources), let frame = source.head {
                try source.take()
                if let record = run.admit(frame, from: source, startedNs: startedNs) { try writer.append(record) }
            }
            try writer.record(
                LifecycleRecord(
                    kind: .sessionEnd,
                    epoch: 1,
                    afterSeq: UInt64(run.provenance.count),
                    wallNs: run.lastWallNs ?? startedNs,
                    monoNs: run.lastMonoNs
                )
            )
            try writer.close()
        } catch {
            _ = try? writer.close()
            throw error
        }
        let gaps = Self.gaps(sources, merged: run.times)
        let report = MergeReport(
            sources: sources.map { s in
                MergeSourceSummary(
                    source: s.index,
                    path: labels.flatMap { s.index <= $0.count ? $0[s.index - 1] : nil } ?? s.reader.path,
                    url: s.reader.session.url,
                    subscription: s.reader.session.subscription,
                    startedNs: s.reader.session.startedNs,
                    epochs: s.spans.count,
                    frames: s.frames,
                    kept: s.kept
                )
            },
            frames: Int64(run.provenance.count),
            duplicates: run.duplicates,
            skipped: sources.reduce(0) { $0 + $1.skipped },
            gaps: gaps,
            conflicts: run.conflicts
        )
        try Self.store(report, provenance: run.provenance, in: out)
        return report
    }

    /// The merge report kept in a merged tape; nil for a tape recorded directly.
    public static func report(of reader: TapeReader) throws(TapeError) -> MergeReport? {
        do {
            let db = reader.db
            guard try db.scalarInt("SELECT count(*) FROM sqlite_master WHERE name = 'merge_source'") == 1 else {
                return nil
            }
            var sources: [MergeSourceSummary] = []
            let s = try db.prepare(
                "SELECT id, path, url, subscription, started_ns, epochs, frames, kept FROM merge_source ORDER BY id"
            )
            while try s.step() {
                sources.append(
                    MergeSourceSummary(
                        source: Int(s.int64(0)),
                        path: s.string(1) ?? "",
                        url: s.string(2) ?? "",
                        subscription: s.string(3),
                        startedNs: s.int64(4),
                        epochs: Int(s.int64(5)),
                        frames: s.int64(6),
                        kept: s.int64(7)
                    )
                )
            }
            var gaps: [MergeGap] = []
            let g = try db.prepare(
                """
                SELECT source, kind, epoch, after_seq, from_ns, to_ns, missing, frames, covered
                FROM merge_gap ORDER BY source, from_ns, id
                """
            )
            while try g.step() {
                guard let kind = MergeGap.Kind(rawValue: g.string(1) ?? "") else {
                    throw TapeError.corrupt(
                        path: reader.path,
                        reason: "merge_gap: kind \(g.string(1) ?? "NULL") is unknown"
                    )
                }
                gaps.append(
                    MergeGap(
                        source: Int(g.int64(0)),
                        kind: kind,
                        epoch: UInt32(truncatingIfNeeded: g.int64(2)),
                        afterSeq: UInt64(bitPattern: g.int64(3)),
                        fromNs: g.int64(4),
                        toNs: g.int64(5),
                        missing: g.optionalInt64(6),
                        frames: g.int64(7),
                        covered: g.int64(8) != 0
                    )
                )
            }
            var conflicts: [MergeConflict] = []
            let c = try db.prepare(
                """
                SELECT idem, kept_source, kept_epoch, kept_seq, other_source, other_epoch, other_seq
                FROM merge_conflict ORDER BY id
                """
            )
            while try c.step() {
                conflicts.append(
                    MergeConflict(
                        key: Self.hex(UInt64(bitPattern: c.int64(0))),
                        kept: Self.origin(c, 1),
                        other: Self.origin(c, 4)
                    )
                )
            }
            let frames = try db.scalarInt("SELECT count(*) FROM frame") ?? 0
            let kept = sources.reduce(0) { $0 + $1.kept }
            let read = sources.reduce(0) { $0 + $1.frames }
            return MergeReport(
                sources: sources,
                frames: frames,
                duplicates: max(0, read - kept),
                skipped: 0,
                gaps: gaps,
                conflicts: conflicts
            )
        } catch let error as TapeError {
            throw error
        } catch {
            throw TapeFile.classify(error, path: reader.path)
        }
    }

    /// The provenance of every frame of a merged tape, by its seq (1-based index); empty for a
    /// tape recorded directly.
    public static func provenance(of reader: TapeReader) throws(TapeError) -> [FrameOrigin] {
        do {
            guard try reader.db.scalarInt("SELECT count(*) FROM sqlite_master WHERE name = 'merge_frame'") == 1 else {
                return []
            }
            let s = try reader.db.prepare("SELECT source, src_epoch, src_seq FROM merge_frame ORDER BY epoch, seq")
            var result: [FrameOrigin] = []
            while try s.step() { result.append(origin(s, 0)) }
            return result
        } catch {
            throw TapeFile.classify(error, path: reader.path)
        }
    }

    /// An idempotency key as 16 hex digits, as conflicts and the `frames` view spell it.
    public static func hex(_ key: UInt64) -> String {
        let digits = String(key, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    private static func origin(_ s: Statement, _ column: Int32) -> FrameOrigin {
        FrameOrigin(
            source: Int(s.int64(column)),
            epoch: UInt32(truncatingIfNeeded: s.int64(column + 1)),
            seq: UInt64(bitPattern: s.int64(column + 2))
        )
    }

    /// The source whose head comes first: lowest event time, then receive time, then source order.
    private static func next(_ sources: [MergeSource]) -> MergeSource? {
        var best: MergeSource?
        for source in sources where source.head != nil {
            guard let current = best else {
                best = source
                continue
            }
            if source.orderKey < current.orderKey { best = source }
        }
        return best
    }

    /// Every gap of every source, against the merged session's span.
    static func gaps(_ sources: [MergeSource], merged: [(recvNs: Int64, source: Int)]) -> [MergeGap] {
        let starts = sources.compactMap(\.firstDataNs)
        let ends = sources.compactMap(\.lastDataNs)
        guard let t0 = starts.min(), let t1 = ends.max() else { return [] }
        let sortedTimes = merged.sorted { $0.recvNs < $1.recvNs }
        var result: [MergeGap] = []
        for source in sources {
            var raw: [(MergeGap.Kind, UInt32, UInt64, Int64, Int64, Int64?)] = []
            let spans = source.spans
            if let firstSpan = spans.first {
                if firstSpan.startNs > t0 { raw.append((.beforeStart, 0, 0, t0, firstSpan.startNs, nil)) }
                for (a, b) in zip(spans, spans.dropFirst()) where b.startNs > a.endNs {
                    raw.append((.reconnect, a.epoch, source.lastSeq[a.epoch] ?? 0, a.endNs, b.startNs, nil))
                }
                if let last = spans.last, last.endNs < t1 {
                    raw.append((.afterEnd, last.epoch, source.lastSeq[last.epoch] ?? 0, last.endNs, t1, nil))
                }
            } else {
                raw.append((.beforeStart, 0, 0, t0, t1, nil))
            }
            for loss in source.losses {
                let from = loss.fromNs ?? source.spans.first { $0.epoch == loss.epoch }?.startNs ?? t0
                let to = loss.toNs ?? source.spans.first { $0.epoch == loss.epoch }?.endNs ?? t1
                raw.append((.loss, loss.epoch, loss.afterSeq, from, max(from, to), loss.count))
            }
            let others = sources.filter { $0.index != source.index }.flatMap(\.spans).sorted { $0.startNs < $1.startNs }
            for (kind, epoch, afterSeq, from, to, missing) in raw.sorted(by: { $0.3 < $1.3 }) {
                var frames: Int64 = 0
                var k = lowerBound(sortedTimes, from)
                while k < sortedTimes.count, sortedTimes[k].recvNs <= to {
                    if sortedTimes[k].source != source.index { frames += 1 }
                    k += 1
                }
                var reached = from
                for span in others {
                    if span.startNs > reached { break }
                    reached = max(reached, span.endNs)
                }
                result.append(
                    MergeGap(
                        source: source.index,
                        kind: kind,
                        epoch: epoch,
                        afterSeq: afterSeq,
                        fromNs: from,
                        toNs: to,
                        missing: missing,
                        frames: frames,
                        covered: reached >= to
                    )
                )
            }
        }
        return result
    }

    private static func lowerBound(_ times: [(recvNs: Int64, source: Int)], _ value: Int64) -> Int {
        var low = 0
        var high = times.count
        while low < high {
            let mid = (low + high) / 2
            if times[mid].recvNs < value { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// Writes the merge tables into the committed merged tape, in one transaction.
    private static func store(_ report: MergeReport, provenance: [FrameOrigin], in path: String) throws(TapeError) {
        do {
            let db = try Database(path: path, create: false)
            try db.execute("BEGIN")
            try db.execute(MergeSchema.sql)
            let source = try db.prepare(
                """
                INSERT INTO merge_source (id, path, url, subscription, started_ns, epochs, frames, kept)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """
            )
            for s in report.sources {
                source.reset()
                source.bind(1, Int64(s.source))
                source.bind(2, s.path)
                source.bind(3, s.url)
                source.bind(4, s.subscription)
                source.bind(5, s.startedNs)
                source.bind(6, Int64(s.epochs))
                source.bind(7, s.frames)
                source.bind(8, s.kept)
                try source.step()
            }
            let frame = try db.prepare(
                "INSERT INTO merge_frame (epoch, seq, source, src_epoch, src_seq) VALUES (1, ?, ?, ?, ?)"
            )
            for (i, origin) in provenance.enumerated() {
                frame.reset()
                frame.bind(1, Int64(i + 1))
                frame.bind(2, Int64(origin.source))
                frame.bind(3, Int64(origin.epoch))
                frame.bind(4, Int64(bitPattern: origin.seq))
                try frame.step()
            }
            let gap = try db.prepare(
                """
                INSERT INTO merge_gap (source, kind, epoch, after_seq, from_ns, to_ns, missing, frames, covered)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
            )
            for g in report.gaps {
                gap.reset()
                gap.bind(1, Int64(g.source))
                gap.bind(2, g.kind.rawValue)
                gap.bind(3, Int64(g.epoch))
                gap.bind(4, Int64(bitPattern: g.afterSeq))
                gap.bind(5, g.fromNs)
                gap.bind(6, g.toNs)
                gap.bind(7, g.missing)
                gap.bind(8, g.frames)
                gap.bind(9, g.covered ? 1 : 0)
                try gap.step()
            }
            let conflict = try db.prepare(
                """
                INSERT INTO merge_conflict
                    (idem, kept_source, kept_epoch, kept_seq, other_source, other_epoch, other_seq)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """
            )
            for c in report.conflicts {
                conflict.reset()
                conflict.bind(1, Int64(bitPattern: UInt64(c.key, radix: 16) ?? 0))
                conflict.bind(2, Int64(c.kept.source))
                conflict.bind(3, Int64(c.kept.epoch))
                conflict.bind(4, Int64(bitPattern: c.kept.seq))
                conflict.bind(5, Int64(c.other.source))
                conflict.bind(6, Int64(c.other.epoch))
                conflict.bind(7, Int64(bitPattern: c.other.seq))
                try conflict.step()
            }
            try db.execute("COMMIT")
        } catch {
            throw TapeError.io(path: path, reason: error.description)
        }
    }
}

/// The merge's running state: keys taken, provenance, conflicts.
struct MergeRun {
    /// Per key taken, the first copy of each stream type met (nil type: messages without one).
    var seen: [UInt64: [(streamType: StreamType?, digest: UInt64, origin: FrameOrigin)]] = [:]
    var provenance: [FrameOrigin] = []
    var times: [(recvNs: Int64, source: Int)] = []
    var conflicts: [MergeConflict] = []
    var duplicates: Int64 = 0
    var lastMonoNs: Int64 = 0
    var lastWallNs: Int64?

    /// The merged tape's record for `frame`, or nil when its key was taken already.
    ///
    /// A copy is compared byte for byte with the first copy of the same stream type: a SNAPSHOT
    /// is the exchange sending an event again on (re)subscription with a message time of its
    /// own, so it is not expected to equal the REALTIME copy byte for byte.
    mutating func admit(_ frame: TapeFrame, from source: MergeSource, startedNs: Int64) -> FrameRecord? {
        let origin = FrameOrigin(source: source.index, epoch: frame.record.epoch, seq: frame.record.seq)
        if let key = frame.facts.idempotencyKey {
            let digest = TapeHash64.hash(frame.record.payload)
            let type = frame.facts.streamType
            if var copies = seen[key] {
                if let same = copies.first(where: { $0.streamType == type }) {
                    if same.digest != digest {
                        conflicts.append(MergeConflict(key: TapeMerger.hex(key), kept: same.origin, other: origin))
                    }
                } else {
                    copies.append((type, digest, origin))
                    seen[key] = copies
                }
                duplicates += 1
                return nil
            }
            seen[key] = [(type, digest, origin)]
        }
        source.kept += 1
        provenance.append(origin)
        times.append((frame.record.recvNs, source.index))
        let (sinceStart, overflow) = frame.record.recvNs.subtractingReportingOverflow(startedNs)
        if !overflow, sinceStart > lastMonoNs { lastMonoNs = min(sinceStart, RowChecks.maxMonoNs) }
        lastWallNs = max(lastWallNs ?? frame.record.recvNs, frame.record.recvNs)
        var record = frame.record
        record.epoch = 1
        record.seq = UInt64(provenance.count)
        record.monoNs = lastMonoNs
        return record
    }
}

/// One source of a merge: its reader in arrival order, the frame at its head, and what the
/// coverage report needs of it.
final class MergeSource {
    struct Span {
        var epoch: UInt32
        var startNs: Int64
        var endNs: Int64
    }
    struct Loss {
        var epoch: UInt32
        var afterSeq: UInt64
        var count: Int64
        var fromNs: Int64?
        var toNs: Int64?
    }

    let index: Int
    let reader: TapeReader
    private let cursor: ArrivalCursor
    private let events: [LifecycleRecord]
    private(set) var head: TapeFrame?
    private var lastEventMs = Int64.min
    var frames: Int64 = 0
    var kept: Int64 = 0
    var skipped: Int64 = 0
    var firstDataNs: Int64?
    var lastDataNs: Int64?
    var lastSeq: [UInt32: UInt64] = [:]
    private var lastRecv: [UInt32: Int64] = [:]
    var losses: [Loss]

    init(index: Int, reader: TapeReader) throws(TapeError) {
        self.index = index
        self.reader = reader
        events = try reader.events()
        cursor = try reader.arrivals()
        losses = events.filter { $0.kind == .loss }.map {
            Loss(epoch: $0.epoch, afterSeq: $0.afterSeq, count: $0.count ?? 0)
        }
    }

    /// (event time in ms, receive time, source) of the head.
    var orderKey: (Int64, Int64, Int) {
        guard let head else { return (Int64.max, Int64.max, index) }
        return (head.facts.eventTimeMs ?? lastEventMs, head.record.recvNs, index)
    }

    /// Consumes the head and reads the next inbound data frame.
    func take() throws(TapeError) {
        if let ms = head?.facts.eventTimeMs { lastEventMs = ms }
        try advance()
    }

    /// Reads up to the next inbound data frame, noting every frame's place and time.
    func advance() throws(TapeError) {
        head = nil
        while let entry = try cursor.next() {
            guard case .frame(let frame) = entry else { continue }
            let r = frame.record
            lastSeq[r.epoch] = max(lastSeq[r.epoch] ?? 0, r.seq)
            lastRecv[r.epoch] = max(lastRecv[r.epoch] ?? r.recvNs, r.recvNs)
            for i in losses.indices where losses[i].epoch == r.epoch {
                if r.seq == losses[i].afterSeq { losses[i].fromNs = r.recvNs }
                if r.seq == losses[i].afterSeq + UInt64(losses[i].count) + 1 { losses[i].toNs = r.recvNs }
            }
            guard r.direction == .inbound, r.opcode.isData else {
                skipped += 1
                continue
            }
            frames += 1
            firstDataNs = min(firstDataNs ?? r.recvNs, r.recvNs)
            lastDataNs = max(lastDataNs ?? r.recvNs, r.recvNs)
            head = frame
            return
        }
    }

    /// The source's connections on the wall clock: from its connect event to its disconnect (or
    /// session end, or last frame). Complete once the source is read to its end.
    var spans: [Span] {
        var result: [Span] = []
        for connect in events where connect.kind == .connect {
            let end =
                events.first {
                    $0.epoch == connect.epoch && ($0.kind == .disconnect || $0.kind == .sessionEnd)
                }?.wallNs ?? lastRecv[connect.epoch] ?? connect.wallNs
            result.append(Span(epoch: connect.epoch, startNs: connect.wallNs, endNs: max(connect.wallNs, end)))
        }
        return result
    }
}
