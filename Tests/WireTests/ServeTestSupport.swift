import Foundation
import Primitives
import TapeLog
import TicktapeTestSupport
import Upbit

@testable import Wire

/// Builds a small tape entry by entry, exactly as listed (a stale-epoch tail is written by
/// naming an older epoch after a newer connect). Times are recorded milliseconds.
struct ServeTapeScript {
    private(set) var entries: [TapeEntry] = []
    private var seqs: [UInt32: UInt64] = [:]
    private(set) var epoch: UInt32 = 0

    mutating func connect(at ms: Int64) {
        epoch += 1
        seqs[epoch] = 0
        entries.append(
            .event(LifecycleRecord(kind: .connect, epoch: epoch, afterSeq: 0, wallNs: wall(ms), monoNs: ms * 1_000_000))
        )
    }

    /// An inbound frame (binary unless said) of the current epoch or of `epoch`.
    mutating func frame(
        _ payload: [UInt8],
        at ms: Int64,
        epoch: UInt32? = nil,
        direction: Direction = .inbound,
        opcode: FrameOpcode = .binary
    ) {
        let e = epoch ?? self.epoch
        let seq = (seqs[e] ?? 0) + 1
        seqs[e] = seq
        let record = FrameRecord(
            epoch: e,
            seq: seq,
            direction: direction,
            opcode: opcode,
            recvNs: wall(ms),
            monoNs: ms * 1_000_000,
            payload: payload
        )
        entries.append(.frame(TapeFrame(record: record, facts: UpbitScanner.facts(of: payload))))
    }

    mutating func disconnect(at ms: Int64, code: Int64?, detail: String = "closedByPeer", epoch: UInt32? = nil) {
        let e = epoch ?? self.epoch
        let record = LifecycleRecord(
            kind: .disconnect,
            epoch: e,
            afterSeq: seqs[e] ?? 0,
            wallNs: wall(ms),
            monoNs: ms * 1_000_000,
            closeCode: code,
            detail: detail
        )
        entries.append(.event(record))
    }

    /// Inbound market payloads in written order.
    var messages: [[UInt8]] {
        entries.compactMap { entry in
            guard case .frame(let f) = entry, f.record.direction == .inbound, f.record.opcode.isData,
                let type = f.facts.type, UpbitScanner.isMarketType(type)
            else { return nil }
            return f.record.payload
        }
    }

    /// Writes the tape to a new file and returns its path.
    func write(subscription: String = #"[{"ticket":"t"},{"type":"trade","codes":["KRW-BTC"]}]"#) throws -> String {
        let path = serveTemporaryDirectory() + "/serve.tape"
        let session = SessionInfo(
            toolVersion: "test",
            url: "ws://127.0.0.1:1/websocket/v1",
            subscription: subscription,
            startedNs: 1_700_000_000_000_000_000
        )
        let writer = try TapeWriter(path: path, session: session, profile: UpbitProfile())
        for entry in entries {
            switch entry {
            case .frame(let f): try writer.append(f.record)
            case .event(let e): try writer.record(e)
            }
        }
        try writer.close()
        return path
    }

    private func wall(_ ms: Int64) -> Int64 { 1_700_000_000_000_000_000 + ms * 1_000_000 }
}

/// A fresh directory in the test process's temp root (removed at exit).
func serveTemporaryDirectory() -> String { temporaryDirectory() }

/// A compact DEFAULT trade payload.
func tradePayload(_ code: String, sid: Int, stream: String = "REALTIME") -> [UInt8] {
    Array(
        (#"{"type":"trade","code":"\#(code)","timestamp":\#(1_730_336_862_000 + sid),"trade_price":\#(100 + sid).0,"#
            + #""sequential_id":\#(17_303_368_620_470_000 + sid),"stream_type":"\#(stream)"}"#).utf8
    )
}

/// A compact DEFAULT ticker payload.
func tickerPayload(_ code: String, price: Int, ms: Int = 0, stream: String = "REALTIME") -> [UInt8] {
    Array(
        (#"{"type":"ticker","code":"\#(code)","trade_price":\#(price).0,"timestamp":\#(1_730_336_862_000 + ms),"#
            + #""stream_type":"\#(stream)"}"#).utf8
    )
}

/// Waits (bounded) until `market`'s replay has finished. ``TapeMarket/waitUntilFinished()`` is not
/// cancellable, so it waits in a task of its own, left behind if the replay never ends, rather
/// than hanging the test.
func waitUntilFinished(_ market: TapeMarket) async throws {
    let finished = Locked(false)
    Task {
        await market.waitUntilFinished()
        finished.withLock { $0 = true }
    }
    try await eventually { finished.withLock { $0 } }
}

/// A replay clock moved by hand: ``sleep(until:)`` returns only once the test advances past the deadline.
final class ManualReplayClock: ReplayClock {
    private struct State {
        var now: Int64 = 0
        var sleepers: [(id: Int, deadline: Int64, continuation: CheckedContinuation<Void, any Error>)] = []
        var nextID = 0
    }

    private let state = Locked(State())

    func now() -> Int64 { state.withLock { $0.now } }

    func sleep(until deadline: Int64) async throws {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let ready = state.withLock { state -> Bool in
                    if Task.isCancelled || deadline <= state.now { return true }
                    state.sleepers.append((id, deadline, continuation))
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            let sleeper = state.withLock { state -> CheckedContinuation<Void, any Error>? in
                guard let index = state.sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                return state.sleepers.remove(at: index).continuation
            }
            sleeper?.resume(throwing: CancellationError())
        }
    }

    /// Sets the time and wakes every sleeper whose deadline has come.
    func advance(to now: Int64) {
        let due = state.withLock { state in
            state.now = now
            let due = state.sleepers.filter { $0.deadline <= now }
            state.sleepers.removeAll { $0.deadline <= now }
            return due.map(\.continuation)
        }
        for continuation in due { continuation.resume() }
    }

    /// Waits (real time, bounded) until someone sleeps on this clock; returns the earliest deadline.
    func nextDeadline() async throws -> Int64 {
        var deadline: Int64?
        try await eventually { () async -> Bool in
            deadline = state.withLock { $0.sleepers.map(\.deadline).min() }
            return deadline != nil
        }
        return deadline ?? -1
    }
}

/// Collects a listener's events in a task, for assertions while the replay runs.
final class EventLog: Sendable {
    private let events = Locked<[ExchangeEvent]>([])
    private let ended = Locked(false)

    init(_ stream: AsyncStream<ExchangeEvent>) {
        Task {
            for await event in stream { self.events.withLock { $0.append(event) } }
            self.ended.withLock { $0 = true }
        }
    }

    var all: [ExchangeEvent] { events.withLock { $0 } }
    var isEnded: Bool { ended.withLock { $0 } }
    var payloads: [[UInt8]] {
        all.compactMap { event in
            if case .message(let message) = event { return message.payload }
            return nil
        }
    }

    func waitFor(count: Int) async throws { try await eventually { self.all.count >= count } }
}
