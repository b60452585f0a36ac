/// Stamps frames with their place in the session: epoch and seq counters plus the monotonic
/// offset from session start. Pure state, so the live recorder, import and chaos share it.
public struct Stamper: Sendable {
    /// The current epoch, 0 before the first connection.
    public private(set) var epoch: UInt32 = 0
    /// The last seq handed out in the current epoch.
    public private(set) var seq: UInt64 = 0

    public init() {}

    /// Opens the next epoch and returns its connect event.
    public mutating func connect(wallNs: Int64, monoNs: Int64, detail: String? = nil) -> LifecycleRecord {
        epoch += 1
        seq = 0
        return LifecycleRecord(
            kind: .connect,
            epoch: epoch,
            afterSeq: 0,
            wallNs: wallNs,
            monoNs: monoNs,
            detail: detail
        )
    }

    /// The next frame of the current epoch.
    public mutating func frame(
        _ direction: Direction,
        opcode: FrameOpcode,
        fragments: UInt16 = 1,
        wallNs: Int64,
        monoNs: Int64,
        payload: [UInt8]
    ) -> FrameRecord {
        seq += 1
        return FrameRecord(
            epoch: epoch,
            seq: seq,
            direction: direction,
            opcode: opcode,
            fragments: fragments,
            recvNs: wallNs,
            monoNs: monoNs,
            payload: payload
        )
    }

    /// A lifecycle event at the current position (not connect).
    public mutating func event(
        _ kind: LifecycleKind,
        wallNs: Int64,
        monoNs: Int64,
        closeCode: Int64? = nil,
        count: Int64? = nil,
        detail: String? = nil
    ) -> LifecycleRecord {
        precondition(kind != .connect, "use connect(wallNs:monoNs:) to open an epoch")
        let record = LifecycleRecord(
            kind: kind,
            epoch: epoch,
            afterSeq: seq,
            wallNs: wallNs,
            monoNs: monoNs,
            closeCode: closeCode,
            count: count,
            detail: detail
        )
        if kind == .loss, let count { seq += UInt64(count) }
        return record
    }
}
