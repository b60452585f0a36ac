import Rules
import TapeLog

/// Replays a tape through the engine: entries in arrival order (so stale-epoch tails arrive
/// when they did), facts from the extracted columns, no payload inflated — the rules need none.
public enum TapeReplay {
    /// Runs `options` over the tape at `path`; `observer` sees every decision and delivery.
    public static func run(
        path: String,
        options: ReplayOptions,
        observer: (any DeliveryObserver)? = nil,
        progress: ((Int) -> Void)? = nil
    ) throws -> ReplayResult {
        // A file that is not a tape fails before the options.
        let options = options.sized(for: try TapeReader(path: path))
        var engine = try ReplayEngine(options: options)
        var count = 0
        // Reading runs on a thread of its own (ReadAhead); the engine sees the same inputs in order.
        _ = try ReadAhead.forEachBatch(path: path) { batch in
            for i in batch.indices {
                if i + ReadAhead.lookahead < batch.count { engine.prefetch(batch[i + ReadAhead.lookahead]) }
                engine.feed(batch[i], observer: observer)
                count += 1
                if let progress, count & 0xFFFF == 0 { progress(count) }
            }
        }
        return engine.finish(observer: observer)
    }

    /// One entry of the checks' fast path (`TapeReader.factArrivals()`) as the engine's input:
    /// the same input as for the `TapeEntry` read with `payloads: false`.
    public static func input(for entry: FactEntry) -> ReplayInput {
        switch entry {
        case .frame(let f):
            return .frame(
                ReplayFrame(
                    epoch: f.epoch,
                    seq: f.seq,
                    direction: f.direction,
                    opcode: f.opcode,
                    monoNs: f.monoNs,
                    facts: f.facts
                )
            )
        case .event(let event):
            return .lifecycle(LifecycleEvent(event))
        }
    }

    /// One tape entry as the engine's input.
    public static func input(for entry: TapeEntry) -> ReplayInput {
        switch entry {
        case .frame(let frame):
            let r = frame.record
            return .frame(
                ReplayFrame(
                    epoch: r.epoch,
                    seq: r.seq,
                    direction: r.direction,
                    opcode: r.opcode,
                    monoNs: r.monoNs,
                    facts: frame.facts,
                    payload: r.payload.isEmpty ? nil : r.payload
                )
            )
        case .event(let event):
            return .lifecycle(LifecycleEvent(event))
        }
    }
}

extension LifecycleEvent {
    /// A recorded lifecycle event as the engine reads it (a `loss` event's count becomes
    /// ``lostFrames``).
    init(_ record: LifecycleRecord) {
        self.init(
            kind: record.kind,
            epoch: record.epoch,
            monoNs: record.monoNs,
            lostFrames: record.kind == .loss ? Int(record.count ?? 0) : 0
        )
    }
}
