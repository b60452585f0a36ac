import Upbit

@testable import TapeLog

/// The expected arrival order of ``writeStaleTailTape(at:beforeClose:)``'s tape.
let staleTailArrivalOrder = ["connect1", "1.1", "1.2", "connect2", "2.1", "1.3", "2.2"]

/// An inbound binary frame of one byte, received at `mono` ns.
func staleTailFrame(_ epoch: UInt32, _ seq: UInt64, at mono: Int64) -> FrameRecord {
    FrameRecord(
        epoch: epoch,
        seq: seq,
        direction: .inbound,
        opcode: 2,
        recvNs: mono,
        monoNs: mono,
        payload: [UInt8(seq)]
    )
}

/// Writes a two-epoch tape whose first connection delivers one late frame after the second one
/// connected (arrival order: ``staleTailArrivalOrder``). `beforeClose` runs with the writer open.
func writeStaleTailTape(at path: String, beforeClose: (TapeWriter) throws -> Void = { _ in }) throws {
    let writer = try TapeWriter(
        path: path,
        session: SessionInfo(toolVersion: "t", url: "ws://x", startedNs: 0),
        profile: UpbitProfile()
    )
    try writer.record(LifecycleRecord(kind: .connect, epoch: 1, afterSeq: 0, wallNs: 0, monoNs: 0))
    try writer.append(staleTailFrame(1, 1, at: 10))
    try writer.append(staleTailFrame(1, 2, at: 20))
    try writer.record(LifecycleRecord(kind: .connect, epoch: 2, afterSeq: 0, wallNs: 30, monoNs: 30))
    try writer.append(staleTailFrame(2, 1, at: 40))
    try writer.append(staleTailFrame(1, 3, at: 50))  // the old connection's late frame
    try writer.append(staleTailFrame(2, 2, at: 60))
    try beforeClose(writer)
    try writer.close()
}
