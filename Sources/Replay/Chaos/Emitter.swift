import TapeLog

/// Stamps the chaos transform's output: output epochs and seqs, monotonic arrival times, the
/// holding queue from which a stale-epoch tail is taken at a cut, and duplicates in flight.
struct Emitter {
    let staleTail: Int
    private(set) var isConnected = false
    private var epoch: UInt32 = 0
    private var seqs: [UInt64] = [0]
    private var lastMono: Int64 = 0
    private var wallBase: Int64?
    private var hold: [FrameRecord] = []
    private var duplicates: [(remaining: Int, frame: FrameRecord)] = []
    private var staleFrames: [FrameRecord] = []
    private var staleEpoch: UInt32 = 0
    private var pendingDisconnect: (epoch: UInt32, monoNs: Int64, closeCode: Int64?, detail: String?)?

    init(staleTail: Int) { self.staleTail = staleTail }

    mutating func setWallBase(_ base: Int64) {
        if wallBase == nil { wallBase = base }
    }

    private func wall(_ mono: Int64) -> Int64 { (wallBase ?? 0) + mono }

    private mutating func advance(to mono: Int64) -> Int64 {
        lastMono = max(lastMono, mono)
        return lastMono
    }

    mutating func connect(
        at mono: Int64,
        wallNs: Int64?,
        detail: String?,
        into sink: (TapeEntry) throws -> Void
    ) rethrows {
        try drainHold(into: sink)
        epoch += 1
        seqs.append(0)
        isConnected = true
        let t = advance(to: mono)
        try sink(
            .event(
                LifecycleRecord(kind: .connect, epoch: epoch, afterSeq: 0, wallNs: wall(t), monoNs: t, detail: detail)
            )
        )
    }

    mutating func frame(
        direction: Direction,
        opcode: FrameOpcode,
        fragments: UInt16 = 1,
        payload: [UInt8],
        at mono: Int64,
        duplicateAfter: Int? = nil,
        into sink: (TapeEntry) throws -> Void
    ) rethrows {
        let t = advance(to: mono)
        let record = FrameRecord(
            epoch: 0,
            seq: 0,
            direction: direction,
            opcode: opcode,
            fragments: fragments,
            recvNs: wall(t),
            monoNs: t,
            payload: payload
        )
        try push(record, into: sink)
        if direction == .inbound && opcode.isData {
            var due: [FrameRecord] = []
            for i in duplicates.indices {
                duplicates[i].remaining -= 1
                if duplicates[i].remaining == 0 { due.append(duplicates[i].frame) }
            }
            duplicates.removeAll { $0.remaining <= 0 }
            for copy in due { try push(retimed(copy, t), into: sink) }
            if let after = duplicateAfter { duplicates.append((after, record)) }
        }
    }

    private func retimed(_ frame: FrameRecord, _ mono: Int64) -> FrameRecord {
        var copy = frame
        copy.monoNs = mono
        copy.recvNs = wall(mono)
        return copy
    }

    private mutating func push(_ record: FrameRecord, into sink: (TapeEntry) throws -> Void) rethrows {
        guard staleTail > 0 else { return try stampAndEmit(record, epoch: epoch, into: sink) }
        hold.append(record)
        if hold.count > staleTail { try stampAndEmit(hold.removeFirst(), epoch: epoch, into: sink) }
    }

    private mutating func stampAndEmit(
        _ record: FrameRecord,
        epoch: UInt32,
        into sink: (TapeEntry) throws -> Void
    ) rethrows {
        var stamped = record
        seqs[Int(epoch)] += 1
        stamped.epoch = epoch
        stamped.seq = seqs[Int(epoch)]
        try sink(.frame(TapeFrame(record: stamped, facts: .init())))
    }

    private mutating func drainHold(into sink: (TapeEntry) throws -> Void) rethrows {
        while !hold.isEmpty { try stampAndEmit(hold.removeFirst(), epoch: epoch, into: sink) }
    }

    /// Ends the current epoch at `mono`. Duplicates in flight still arrive on the old
    /// connection; with a stale tail configured, the held frames arrive after the next epoch
    /// opens, and the old epoch's disconnect is recorded after them.
    mutating func cut(
        at mono: Int64,
        closeCode: Int64? = 1006,
        detail: String? = "chaos cut",
        into sink: (TapeEntry) throws -> Void
    ) rethrows {
        for pending in duplicates { try push(retimed(pending.frame, lastMono), into: sink) }
        duplicates.removeAll()
        let t = advance(to: mono)
        if staleTail > 0 && !hold.isEmpty {
            staleFrames = hold
            hold.removeAll()
            staleEpoch = epoch
            pendingDisconnect = (epoch, t, closeCode, detail)
        } else {
            try sink(
                .event(
                    LifecycleRecord(
                        kind: .disconnect,
                        epoch: epoch,
                        afterSeq: seqs[Int(epoch)],
                        wallNs: wall(t),
                        monoNs: t,
                        closeCode: closeCode,
                        detail: detail
                    )
                )
            )
        }
        isConnected = false
    }

    /// Delivers the old connection's late frames (after the new epoch's snapshot burst), then its disconnect.
    mutating func releaseStaleTail(into sink: (TapeEntry) throws -> Void) rethrows {
        try drainHold(into: sink)
        for frame in staleFrames {
            try stampAndEmit(retimed(frame, advance(to: lastMono + 1000)), epoch: staleEpoch, into: sink)
        }
        staleFrames.removeAll()
        if let pending = pendingDisconnect {
            let t = advance(to: lastMono + 1000)
            try sink(
                .event(
                    LifecycleRecord(
                        kind: .disconnect,
                        epoch: pending.epoch,
                        afterSeq: seqs[Int(pending.epoch)],
                        wallNs: wall(t),
                        monoNs: t,
                        closeCode: pending.closeCode,
                        detail: (pending.detail ?? "disconnect") + " (stale tail delivered)"
                    )
                )
            )
            pendingDisconnect = nil
        }
    }

    /// Passes an input lifecycle event through at the current output position.
    mutating func event(
        _ kind: LifecycleKind,
        at mono: Int64,
        closeCode: Int64? = nil,
        count: Int64? = nil,
        detail: String?,
        into sink: (TapeEntry) throws -> Void
    ) rethrows {
        try drainHold(into: sink)
        let t = advance(to: mono)
        let record = LifecycleRecord(
            kind: kind,
            epoch: epoch,
            afterSeq: seqs[Int(epoch)],
            wallNs: wall(t),
            monoNs: t,
            closeCode: closeCode,
            count: count,
            detail: detail
        )
        if kind == .loss, let count { seqs[Int(epoch)] += UInt64(count) }
        if kind == .disconnect { isConnected = false }
        try sink(.event(record))
    }

    /// Everything still held or in flight, at the end of the input.
    mutating func drain(into sink: (TapeEntry) throws -> Void) rethrows {
        for pending in duplicates { try push(retimed(pending.frame, lastMono), into: sink) }
        duplicates.removeAll()
        if pendingDisconnect != nil { try releaseStaleTail(into: sink) }
        try drainHold(into: sink)
    }
}
