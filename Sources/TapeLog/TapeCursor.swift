import CSQLite
import Exchange

/// Streams a tape's entries in session order without loading it whole: memory is one payload
/// block plus the current row, whatever the tape's length.
///
/// Frames and their facts are read by two cursors in the same (epoch, seq) order and merged,
/// which keeps both scans sequential (a join would probe frame_facts once per frame).
public final class TapeCursor {
    private let reader: TapeReader
    private let filter: TapeFilter
    private let payloads: Bool
    private let frames: Statement
    private let facts: Statement
    private let blockQuery: Statement
    private var events: [LifecycleRecord]
    private var eventIndex = 0
    private var pendingFrame: TapeFrame?
    private var framesDone = false
    private var factsRow: (epoch: Int64, seq: Int64)?
    private var factsDone = false
    /// The stream table, by id: facts name their stream by number.
    private var streams: [Int64: (type: String, code: String?)] = [:]
    private var cachedBlockID: Int64 = -1
    private var cachedBlock: [UInt8] = []
    private var proof = BlockProof()

    init(
        reader: TapeReader,
        filter: TapeFilter,
        payloads: Bool,
        events: [LifecycleRecord],
        readFacts: Bool = true
    ) throws(TapeError) {
        self.reader = reader
        self.factsDone = !readFacts
        self.filter = filter
        self.payloads = payloads
        self.events = events
        var conditions: [String] = []
        if let epoch = filter.epoch { conditions.append("epoch = \(epoch)") }
        if let from = filter.fromMonoNs { conditions.append("mono_ns >= \(from)") }
        if let to = filter.toMonoNs { conditions.append("mono_ns < \(to)") }
        let frameWhere = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let factsWhere = filter.epoch.map { "WHERE epoch = \($0)" } ?? ""
        do {
            frames = try reader.db.prepare(
                """
                SELECT epoch, seq, dir, opcode, fragments, mono_ns, recv_off, block, offset, length
                FROM frame \(frameWhere) ORDER BY epoch, seq
                """
            )
            facts = try reader.db.prepare(
                """
                SELECT epoch, seq, stream, event_ms, snapshot, sid, idem
                FROM frame_facts \(factsWhere) ORDER BY epoch, seq
                """
            )
            if readFacts {
                let all = try reader.db.prepare("SELECT id, type, code FROM stream")
                while try all.step() { streams[all.int64(0)] = (all.string(1) ?? "", all.string(2)) }
            }
            blockQuery = try reader.db.prepare(BlockRow.query(format: reader.format))
        } catch {
            throw TapeFile.classify(error, path: reader.path)
        }
    }

    deinit { proof.end() }

    /// The next entry, or nil at the end.
    public func next() throws(TapeError) -> TapeEntry? {
        do {
            if pendingFrame == nil && !framesDone { pendingFrame = try readFrame() }
            if eventIndex < events.count {
                let event = events[eventIndex]
                if let frame = pendingFrame {
                    // An event at (e, s) comes after frame (e, s) and before frame (e, s + 1).
                    let eventKey = (UInt64(event.epoch), event.afterSeq + 1)
                    let frameKey = (UInt64(frame.record.epoch), frame.record.seq)
                    if eventKey <= frameKey {
                        eventIndex += 1
                        return .event(event)
                    }
                } else {
                    eventIndex += 1
                    return .event(event)
                }
            }
            guard let frame = pendingFrame else { return nil }
            pendingFrame = nil
            return .frame(frame)
        } catch let error as TapeError {
            throw error
        } catch {
            throw TapeFile.classify(error, path: reader.path)
        }
    }

    private func readFrame() throws -> TapeFrame? {
        while try frames.step() {
            let row = try StoredFrame.read(frames, startedNs: reader.session.startedNs, path: reader.path)
            let facts = try factsFor(epoch: frames.int64(0), seq: frames.int64(1))
            if filter.types != nil || filter.codes != nil, !filter.matches(facts) { continue }
            var record = row.record
            if payloads {
                record.payload = try self.payload(block: row.block, offset: row.offset, length: row.length, frame: row)
            }
            return TapeFrame(record: record, facts: facts)
        }
        framesDone = true
        return nil
    }

    private func factsFor(epoch: Int64, seq: Int64) throws -> FrameFacts {
        while !factsDone {
            if factsRow == nil {
                guard try facts.step() else {
                    factsDone = true
                    break
                }
                let place = "frame_facts (\(facts.int64(0)), \(facts.int64(1)))"
                _ = try RowChecks.epoch(facts.int64(0), path: reader.path, at: place)
                _ = try RowChecks.seq(facts.int64(1), path: reader.path, at: place)
                factsRow = (facts.int64(0), facts.int64(1))
            }
            guard let row = factsRow else { break }
            if (row.epoch, row.seq) < (epoch, seq) {
                factsRow = nil
                continue
            }
            if row.epoch == epoch && row.seq == seq {
                factsRow = nil
                guard let stream = streams[facts.int64(2)] else {
                    throw TapeError.corrupt(path: reader.path, reason: "frame (\(epoch), \(seq)) names no known stream")
                }
                let snapshot = facts.optionalInt64(4)
                if let snapshot, snapshot != 0 && snapshot != 1 {
                    throw TapeError.corrupt(
                        path: reader.path,
                        reason: "frame_facts (\(epoch), \(seq)): snapshot \(snapshot) is out of range"
                    )
                }
                return FrameFacts(
                    type: stream.type,
                    code: stream.code,
                    eventTime: facts.optionalInt64(3),
                    streamType: StreamTable.streamType(snapshot: snapshot),
                    sequentialID: facts.optionalInt64(5).map { UInt64(bitPattern: $0) },
                    idempotencyKey: facts.optionalInt64(6).map { UInt64(bitPattern: $0) }
                )
            }
            break
        }
        return FrameFacts()
    }

    private func payload(block: Int64, offset: Int64, length: Int64, frame: StoredFrame) throws -> [UInt8] {
        if block != cachedBlockID {
            cachedBlockID = -1
            blockQuery.reset()
            blockQuery.bind(1, block)
            guard try blockQuery.step() else {
                throw TapeError.corrupt(path: reader.path, reason: "\(frame.place): block \(block) is missing")
            }
            // Proven as verify proves it: the codec, the length, and the checksum (format 2).
            do {
                try proof.prove(
                    BlockRow(blockQuery, id: block, format: reader.format),
                    into: &cachedBlock,
                    path: reader.path
                )
            } catch {
                guard case .corrupt(let path, let reason) = error else { throw error }
                throw TapeError.corrupt(path: path, reason: "\(frame.place): \(reason)")
            }
            cachedBlockID = block
        }
        let (end, overflow) = offset.addingReportingOverflow(length)
        guard !overflow, end <= Int64(cachedBlock.count) else {
            throw TapeError.corrupt(
                path: reader.path,
                reason:
                    "\(frame.place): bytes \(offset)+\(length) lie outside block \(block) (\(cachedBlock.count) bytes)"
            )
        }
        return Array(cachedBlock[Int(offset)..<Int(end)])
    }
}

@available(*, unavailable)
extension TapeCursor: Sendable {}
