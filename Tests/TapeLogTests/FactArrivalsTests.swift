import Exchange
import Testing
import TicktapeTestSupport
import Upbit

@testable import TapeLog

/// The checks' fast path (`factArrivals()`) must yield exactly what `arrivals(payloads: false)`
/// yields: same entries, same facts, same arrival order, stale-epoch tails included.
@Suite struct FactArrivalsTests {
    /// Writes a session whose connections overlap: each epoch's frames run on past the next
    /// connects (stale tails, up to three epochs open at once), with loss and disconnect events,
    /// a failed connect before the first epoch, control and outbound frames without facts.
    /// Every item has its own time, so arrival order is exactly the order written, returned.
    func writeOverlappingSession(at path: String, seed: UInt64) throws -> [String] {
        var random = TestRandom(state: seed)
        let writer = try TapeWriter(
            path: path,
            session: SessionInfo(toolVersion: "t", url: "ws://x", startedNs: 0),
            profile: UpbitProfile()
        )
        // Items of every epoch on one timeline: (time, epoch, what), what 0 frame, 1 loss, 2 disconnect.
        var timeline: [(time: Int64, epoch: UInt32, what: Int)] = []
        let epochs = 6
        for epoch in 1...epochs {
            var time = Int64(epoch) * 10_000 + 1
            for _ in 0..<(40 + random.below(60)) {
                time += 1 + Int64(random.below(600))  // tails reach 1–3 connects further
                timeline.append((time, UInt32(epoch), random.below(25) == 0 ? 1 : 0))
            }
            timeline.append((time + 1, UInt32(epoch), 2))
        }
        // Unique times: connects at multiples of 10 000, items shifted off them and off each other.
        timeline.sort { $0.time < $1.time }
        for i in 1..<timeline.count {
            if timeline[i].time <= timeline[i - 1].time { timeline[i].time = timeline[i - 1].time + 1 }
            if timeline[i].time % 10_000 == 0 { timeline[i].time += 1 }
        }
        var order = ["connect_failed0"]
        try writer.record(LifecycleRecord(kind: .connectFailed, epoch: 0, afterSeq: 0, wallNs: 5, monoNs: 5))
        var lastSeq: [UInt64] = Array(repeating: 0, count: epochs + 1)
        var opened = 0
        func connect(upTo time: Int64) throws {
            while opened < epochs, Int64(opened + 1) * 10_000 <= time {
                opened += 1
                let mono = Int64(opened) * 10_000
                try writer.record(
                    LifecycleRecord(kind: .connect, epoch: UInt32(opened), afterSeq: 0, wallNs: mono, monoNs: mono)
                )
                order.append("connect\(opened)")
            }
        }
        for item in timeline {
            try connect(upTo: item.time)
            let e = Int(item.epoch)
            switch item.what {
            case 0:
                lastSeq[e] += 1
                let seq = lastSeq[e]
                let (direction, opcode, payload): (Direction, FrameOpcode, [UInt8])
                switch random.below(8) {
                case 0: (direction, opcode, payload) = (.inbound, FrameOpcode.ping, [])
                case 1: (direction, opcode, payload) = (.outbound, FrameOpcode.text, Array("PING".utf8))
                default:
                    let json =
                        #"{"type":"trade","code":"KRW-\#(["BTC", "ETH", "XRP"][random.below(3)])","#
                        + #""timestamp":\#(1_730_336_862_000 + item.time),"sequential_id":\#(item.time),"#
                        + #""stream_type":"\#(random.below(5) == 0 ? "SNAPSHOT" : "REALTIME")"}"#
                    (direction, opcode, payload) = (.inbound, FrameOpcode.binary, Array(json.utf8))
                }
                let frame = FrameRecord(
                    epoch: item.epoch,
                    seq: seq,
                    direction: direction,
                    opcode: opcode,
                    recvNs: item.time,
                    monoNs: item.time,
                    payload: payload
                )
                try writer.append(frame)
                order.append("\(e).\(seq)")
            case 1:
                let loss = LifecycleRecord(
                    kind: .loss,
                    epoch: item.epoch,
                    afterSeq: lastSeq[e],
                    wallNs: item.time,
                    monoNs: item.time,
                    count: 2
                )
                try writer.record(loss)
                lastSeq[e] += 2
                order.append("loss\(e)")
            default:
                let disconnect = LifecycleRecord(
                    kind: .disconnect,
                    epoch: item.epoch,
                    afterSeq: lastSeq[e],
                    wallNs: item.time,
                    monoNs: item.time,
                    closeCode: 1006
                )
                try writer.record(disconnect)
                order.append("disconnect\(e)")
            }
        }
        try writer.close()
        return order
    }

    func name(_ entry: FactEntry) -> String {
        switch entry {
        case .frame(let f): "\(f.epoch).\(f.seq)"
        case .event(let e): "\(e.kind.rawValue)\(e.epoch)"
        }
    }

    /// What the general cursor reads, in the fast path's terms.
    func general(_ path: String) throws -> [FactEntry] {
        let cursor = try TapeReader(path: path).arrivals(payloads: false)
        var result: [FactEntry] = []
        while let entry = try cursor.next() {
            switch entry {
            case .frame(let f):
                let r = f.record
                result.append(
                    .frame(
                        FactFrame(
                            epoch: r.epoch,
                            seq: r.seq,
                            direction: r.direction,
                            opcode: r.opcode,
                            monoNs: r.monoNs,
                            facts: f.facts
                        )
                    )
                )
            case .event(let e): result.append(.event(e))
            }
        }
        return result
    }

    func fast(_ path: String) throws -> [FactEntry] {
        let cursor = try TapeReader(path: path).factArrivals()
        var result: [FactEntry] = []
        while let entry = try cursor.next() { result.append(entry) }
        return result
    }

    @Test(arguments: [1, 2, 3, 4] as [UInt64])
    func overlappingEpochsArriveInTimeOrderAsTheGeneralCursorReadsThem(seed: UInt64) throws {
        let path = temporaryDirectory() + "/overlap.tape"
        let written = try writeOverlappingSession(at: path, seed: seed)
        let fast = try fast(path)
        #expect(fast.map(name) == written)
        #expect(fast == (try general(path)))
        let withFacts = fast.filter { if case .frame(let f) = $0 { f.facts.type == "trade" } else { false } }
        #expect(withFacts.count > 100, "the facts are read, not left empty")
        #expect(try TapeVerifier.verify(TapeReader(path: path)).problems.isEmpty)
    }

    @Test func aStaleEpochTailArrivesWhenItArrived() throws {
        let path = temporaryDirectory() + "/stale.tape"
        try writeStaleTailTape(at: path)
        #expect(try fast(path).map(name) == staleTailArrivalOrder)
    }

    @Test func framesWithoutFactsRowsAndFactsRowsWithoutFramesAreJoinedAsTheGeneralCursorDoes() throws {
        let path = temporaryDirectory() + "/joins.tape"
        _ = try writeOverlappingSession(at: path, seed: 9)
        // frame_facts is derived data (no append-only trigger): drop some rows, add an orphan.
        #expect(try sqlite3(path, "DELETE FROM frame_facts WHERE epoch = 2 AND seq % 3 = 0").0 == 0)
        #expect(try sqlite3(path, "INSERT INTO frame_facts (epoch, seq, stream) VALUES (3, 100000, 1)").0 == 0)
        let fast = try fast(path)
        #expect(fast == (try general(path)))
        let bare = fast.filter {
            if case .frame(let f) = $0 { f.epoch == 2 && f.seq % 3 == 0 && f.facts == FrameFacts() } else { false }
        }
        #expect(!bare.isEmpty)
    }

    @Test func aFactsRowNamingAnUnknownStreamIsDamage() throws {
        let path = temporaryDirectory() + "/stream.tape"
        _ = try writeOverlappingSession(at: path, seed: 5)
        #expect(try sqlite3(path, "UPDATE frame_facts SET stream = 999 WHERE epoch = 1").0 == 0)
        let error = #expect(throws: TapeError.self) { _ = try fast(path) }
        guard case .corrupt(_, let reason) = error else {
            Issue.record("expected a corrupt-tape error, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("names no known stream"))
    }
}
