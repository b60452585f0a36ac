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
    private var inflater = Inflater()

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
            blockQuery = try reader.db.prepare("SELECT codec, raw_len, data FROM block WHERE id = ?")
        } catch {
            throw TapeFile.classify(error, path: reader.path)
        }
    }

    deinit { inflater.end() }

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
            let epoch = frames.int64(0)
            let seq = frames.int64(1)
            let facts = try factsFor(epoch: epoch, seq: seq)
            if filter.types != nil || filter.codes != nil, !filter.matches(facts) { continue }
            var payload: [UInt8] = []
            if payloads {
                payload = try self.payload(
                    block: frames.int64(7),
                    offset: Int(frames.int64(8)),
                    length: Int(frames.int64(9))
                )
            }
            let record = FrameRecord(
                epoch: UInt32(truncatingIfNeeded: epoch),
                seq: UInt64(truncatingIfNeeded: seq),
                direction: frames.int64(2) == 0 ? .inbound : .outbound,
                opcode: FrameOpcode(rawValue: UInt8(truncatingIfNeeded: frames.int64(3))),
                fragments: UInt16(truncatingIfNeeded: frames.int64(4)),
                recvNs: reader.session.startedNs &+ frames.int64(5) &+ frames.int64(6),
                monoNs: frames.int64(5),
                payload: payload
            )
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
                return FrameFacts(
                    type: stream.type,
                    code: stream.code,
                    eventTimeMs: facts.optionalInt64(3),
                    streamType: StreamTable.streamType(snapshot: facts.optionalInt64(4)),
                    sequentialID: facts.optionalInt64(5).map { UInt64(bitPattern: $0) },
                    idempotencyKey: facts.optionalInt64(6).map { UInt64(bitPattern: $0) }
                )
            }
            break
        }
        return FrameFacts()
    }

    private func payload(block: Int64, offset: Int, length: Int) throws -> [UInt8] {
        if block != cachedBlockID {
            blockQuery.reset()
            blockQuery.bind(1, block)
            guard try blockQuery.step() else {
                throw TapeError.corrupt(path: reader.path, reason: "block \(block) is missing")
            }
            let codec = blockQuery.int64(0)
            let rawLength = Int(blockQuery.int64(1))
            let data = blockQuery.blob(2)
            switch codec {
            case 0:
                cachedBlock = Array(data)
            case 1:
                guard let inflated = inflater.inflate(data, rawLength: rawLength) else {
                    throw TapeError.corrupt(path: reader.path, reason: "block \(block) does not inflate")
                }
                cachedBlock = inflated
            default:
                throw TapeError.corrupt(path: reader.path, reason: "block \(block) has unknown codec \(codec)")
            }
            cachedBlockID = block
        }
        guard offset >= 0, length >= 0, offset + length <= cachedBlock.count else {
            throw TapeError.corrupt(path: reader.path, reason: "frame points outside block \(block)")
        }
        return Array(cachedBlock[offset..<(offset + length)])
    }
}

@available(*, unavailable)
extension TapeCursor: Sendable {}
