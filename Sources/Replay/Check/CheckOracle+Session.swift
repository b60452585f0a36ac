import Exchange
import Rules
import TapeLog

extension OracleCore {
    /// The next input, before the engine sees it (see ``CheckOracle/observe(_:)``).
    mutating func observe(_ input: ReplayInput) {
        observing = true
        switch input {
        case .frame(let frame):
            cursorNs = frame.monoNs
            checkSilence(at: frame.monoNs)
            if frame.direction == .inbound, frame.opcode.isData {
                noteInboundData(epoch: frame.epoch, seq: frame.seq, ns: frame.monoNs)
                if let type = frame.facts.type, !Self.outOfBandTypes.contains(type) {
                    noteStreamData(StreamKey(type: type, code: frame.facts.code ?? ""), epoch: frame.epoch)
                }
                if let unit = frame.facts.eventTimeUnit, unit != .milliseconds { noteTimeUnit(frame, unit) }
            } else {
                timeline.noteEpoch(frame.epoch, at: frame.monoNs)
            }
        case .lifecycle(let event):
            cursorNs = event.monoNs
            checkSilence(at: event.monoNs)
            switch event.kind {
            case .connect:
                noteReconnect(epoch: event.epoch, at: event.monoNs)
                timeline.noteEpoch(event.epoch, at: event.monoNs)
                if let mark = gapMark, mark.epoch < event.epoch {
                    closeGap(epoch: mark.epoch, at: event.monoNs, until: "the next connect")
                }
                if gapMark == nil { gapMark = GapMark(epoch: event.epoch, seq: 0, ns: event.monoNs) }
            case .disconnect:
                closeGap(epoch: event.epoch, at: event.monoNs, until: "its disconnect")
                timeline.endEpoch(event.epoch, at: event.monoNs, ending: .disconnect)
                timeline.noteMarker(.disconnect, epoch: event.epoch, at: event.monoNs)
            case .sessionEnd:
                if let mark = gapMark { closeGap(epoch: mark.epoch, at: event.monoNs, until: "the session end") }
                if timeline.epochs.contains(where: { $0.epoch == event.epoch && $0.ending == .open }) {
                    timeline.endEpoch(event.epoch, at: event.monoNs, ending: .sessionEnd)
                }
            case .connectFailed, .error, .loss:
                timeline.noteMarker(event.kind, epoch: event.epoch, at: event.monoNs)
            case .subscribe:
                timeline.noteEpoch(event.epoch, at: event.monoNs)
            }
        }
    }

    /// Types that are replies, not market streams.
    static let outOfBandTypes: Set<String> = ["status", "error", "list"]

    mutating func discarded(_ input: RuleInput, reason: DiscardReason) {
        if !observing { noteInboundData(epoch: input.epoch, seq: input.seq, ns: input.arrivalNs) }
        let facts = input.facts
        let kind: FindingClass
        switch reason {
        case .staleEpoch: kind = .staleEpoch
        case .outOfBand: kind = facts.type == "error" ? .serverError : .outOfBand
        case .duplicate: kind = .duplicate
        case .staleSnapshot: kind = .staleSnapshot
        case .beforeSnapshot: kind = .beforeSnapshot
        case .outOfOrder: kind = .outOfOrder
        case .unknown: kind = .unknown
        case .malformed: kind = .decodeError
        }
        let sessionNs = cursorNs
        findings.record(kind.index) {
            let type = facts.type ?? "?"
            let key = facts.code.map { $0.isEmpty ? type : "\(type) \($0)" } ?? type
            return FindingSample(
                kind: kind,
                epoch: input.epoch,
                seq: input.seq,
                type: facts.type,
                code: facts.code,
                eventTimeMs: facts.eventTimeMs,
                streamType: facts.streamType,
                idempotencyKey: facts.idempotencyKey,
                sessionNs: sessionNs,
                explanation: CheckExplain.discard(kind, key, timeMs: facts.eventTimeMs)
            )
        }
    }

    /// A frame whose event time came in another unit than milliseconds: counted, with a sample.
    private mutating func noteTimeUnit(_ frame: ReplayFrame, _ unit: EventTimeUnit) {
        let facts = frame.facts
        findings.record(FindingClass.timeUnit.index) {
            let type = facts.type ?? "?"
            let key = facts.code.map { $0.isEmpty ? type : "\(type) \($0)" } ?? type
            return FindingSample(
                kind: .timeUnit,
                epoch: frame.epoch,
                seq: frame.seq,
                type: facts.type,
                code: facts.code,
                eventTimeMs: facts.eventTimeMs,
                streamType: facts.streamType,
                idempotencyKey: facts.idempotencyKey,
                sessionNs: frame.monoNs,
                explanation: CheckExplain.timeUnit(
                    key,
                    raw: facts.eventTime ?? 0,
                    unit: unit,
                    ms: facts.eventTimeMs ?? 0
                )
            )
        }
    }

    /// One inbound data frame at session time `ns`: the message rate, the epoch span, and a gap
    /// finding when its epoch was silent for longer than the threshold. Silence is watched in
    /// the newest epoch only: frames of an older epoch (a stale tail) neither end nor start one.
    mutating func noteInboundData(epoch: UInt32, seq: UInt64, ns: Int64) {
        if !observing { cursorNs = ns }
        timeline.noteMessage(at: ns)
        timeline.noteEpoch(epoch, at: ns)
        if let mark = gapMark {
            if epoch < mark.epoch { return }
            if epoch == mark.epoch, ns &- mark.ns > options.gapThresholdNs {
                recordGap(from: mark, toSeq: seq, toNs: ns, until: "")
            }
            if epoch == mark.epoch, ns < mark.ns { return }
        }
        gapMark = GapMark(epoch: epoch, seq: seq, ns: ns)
    }

    /// Ends the silence watch of `epoch` at `ns`, recording a gap if it was too long.
    private mutating func closeGap(epoch: UInt32, at ns: Int64, until: String) {
        guard let mark = gapMark, mark.epoch == epoch else { return }
        gapMark = nil
        if ns &- mark.ns > options.gapThresholdNs { recordGap(from: mark, toSeq: nil, toNs: ns, until: until) }
    }

    private mutating func recordGap(from mark: GapMark, toSeq: UInt64?, toNs: Int64, until: String) {
        findings.record(FindingClass.gap.index) {
            FindingSample(
                kind: .gap,
                epoch: mark.epoch,
                seq: toSeq ?? 0,
                type: nil,
                code: nil,
                eventTimeMs: nil,
                streamType: nil,
                idempotencyKey: nil,
                sessionNs: mark.ns,
                explanation: CheckExplain.gap(epoch: mark.epoch, from: mark, toSeq: toSeq, toNs: toNs, until: until)
            )
        }
    }
}
