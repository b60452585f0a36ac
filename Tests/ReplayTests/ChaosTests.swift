import Replay
import Simulator
import TapeLog
import Testing
import TicktapeTestSupport
import Upbit

@Suite struct ChaosTests {
    /// A clean one-epoch session of generated Upbit frames, `seconds` long at ~`rate` msgs/s.
    private func cleanTape(_ path: String, seconds: Int = 60, rate: Int = 200, markets: Int = 4) throws {
        var feed = SyntheticFeed(seed: 3, markets: SyntheticFeed.markets(count: markets))
        let subscription = #"[{"ticket":"t"},{"type":"ticker","codes":["KRW-BTC"]}]"#
        let writer = try TapeWriter(
            path: path,
            session: SessionInfo(toolVersion: "t", url: "ws://sim", subscription: subscription, startedNs: 0),
            profile: UpbitProfile()
        )
        var stamper = Stamper()
        try writer.record(stamper.connect(wallNs: 0, monoNs: 0))
        try writer.append(
            stamper.frame(.outbound, opcode: FrameOpcode.text, wallNs: 0, monoNs: 0, payload: Array(subscription.utf8))
        )
        let step = Int64(1_000_000_000 / rate)
        for i in 1...(seconds * rate) {
            let t = Int64(i) * step
            try writer.append(
                stamper.frame(.inbound, opcode: FrameOpcode.binary, wallNs: t, monoNs: t, payload: feed.next().bytes)
            )
        }
        try writer.record(
            stamper.event(.sessionEnd, wallNs: Int64(seconds) * 1_000_000_000, monoNs: Int64(seconds) * 1_000_000_000)
        )
        try writer.close()
    }

    private func entries(_ path: String) throws -> [TapeEntry] {
        let cursor = try TapeReader(path: path).arrivals()
        var all: [TapeEntry] = []
        while let e = try cursor.next() { all.append(e) }
        return all
    }

    @Test func theSameSeedGivesTheSameSessionAndTheScheduleIsStored() throws {
        let dir = temporaryDirectory()
        try cleanTape(dir + "/clean.tape")
        let spec = try ChaosSpec.parse("cut every:20s; dup 0.01; reorder 5; stale-epoch 3; drop 0.001")
        _ = try ChaosRun.run(
            input: dir + "/clean.tape",
            output: dir + "/a.tape",
            spec: spec,
            seed: 7,
            toolVersion: "t",
            profile: UpbitProfile()
        )
        _ = try ChaosRun.run(
            input: dir + "/clean.tape",
            output: dir + "/b.tape",
            spec: spec,
            seed: 7,
            toolVersion: "t",
            profile: UpbitProfile()
        )
        _ = try ChaosRun.run(
            input: dir + "/clean.tape",
            output: dir + "/c.tape",
            spec: spec,
            seed: 8,
            toolVersion: "t",
            profile: UpbitProfile()
        )
        let a = try entries(dir + "/a.tape")
        #expect(a == (try entries(dir + "/b.tape")))
        #expect(a != (try entries(dir + "/c.tape")))
        let chaos = try TapeReader(path: dir + "/a.tape").session.chaos ?? ""
        #expect(chaos.contains(#""seed":7"#) && chaos.contains("cut every:20s") && chaos.contains("stale-epoch 3"))
        #expect(try TapeVerifier.verify(TapeReader(path: dir + "/a.tape")).problems.isEmpty)
    }

    @Test func aCutOpensANewEpochWithOneSnapshotPerStreamKeyAfterTheSubscription() throws {
        let dir = temporaryDirectory()
        try cleanTape(dir + "/clean.tape", seconds: 30, markets: 3)
        _ = try ChaosRun.run(
            input: dir + "/clean.tape",
            output: dir + "/cut.tape",
            spec: try ChaosSpec.parse("cut every:10s"),
            seed: 1,
            toolVersion: "t",
            profile: UpbitProfile()
        )
        let all = try entries(dir + "/cut.tape")
        let connects = all.compactMap { if case .event(let e) = $0, e.kind == .connect { e } else { nil } }
        #expect(connects.map(\.epoch) == [1, 2, 3])
        // Epoch 2: subscription first, then a burst of SNAPSHOTs, one per (type, code) seen so far.
        let epoch2 = all.compactMap { if case .frame(let f) = $0, f.record.epoch == 2 { f } else { nil } }
        #expect(epoch2.first?.record.direction == .outbound)
        let burst = epoch2.dropFirst().prefix { $0.facts.streamType == .snapshot }
        let keys = burst.map { "\($0.facts.type ?? "")/\($0.facts.code ?? "")" }
        #expect(keys.count == Set(keys).count, "one snapshot per stream key")
        #expect(keys.count == 9, "3 markets × ticker, trade, orderbook")
        // Nothing was received while the connection was down (cut at 10 s, up again at 10.5 s).
        let times = all.compactMap { if case .frame(let f) = $0 { f.record.monoNs } else { nil } }
        #expect(!times.contains { $0 > 10_000_000_000 && $0 < 10_500_000_000 })
    }

    @Test func aStaleEpochTailArrivesAfterTheNextEpochOpened() throws {
        let dir = temporaryDirectory()
        try cleanTape(dir + "/clean.tape", seconds: 25)
        _ = try ChaosRun.run(
            input: dir + "/clean.tape",
            output: dir + "/stale.tape",
            spec: try ChaosSpec.parse("cut every:10s; stale-epoch 3"),
            seed: 1,
            toolVersion: "t",
            profile: UpbitProfile()
        )
        var seenEpoch: UInt32 = 0
        var late = 0
        for entry in try entries(dir + "/stale.tape") {
            guard case .frame(let f) = entry else { continue }
            if f.record.epoch < seenEpoch { late += 1 }
            seenEpoch = max(seenEpoch, f.record.epoch)
        }
        #expect(late == 2 * 3, "two cuts, three late frames each")
    }

    @Test func aStaleEpochTailIsAddedAtTheDisconnectsARecordingAlreadyHas() throws {
        let dir = temporaryDirectory()
        try cleanTape(dir + "/clean.tape", seconds: 25)
        _ = try ChaosRun.run(
            input: dir + "/clean.tape",
            output: dir + "/cut.tape",
            spec: try ChaosSpec.parse("cut every:10s"),
            seed: 1,
            toolVersion: "t",
            profile: UpbitProfile()
        )
        _ = try ChaosRun.run(
            input: dir + "/cut.tape",
            output: dir + "/late.tape",
            spec: try ChaosSpec.parse("stale-epoch 2"),
            seed: 1,
            toolVersion: "t",
            profile: UpbitProfile()
        )
        var seenEpoch: UInt32 = 0
        var late: [UInt32] = []
        var lateWhileNewest: Set<UInt32> = []  // epochs that were newest when a late frame arrived
        var snapshotsBeforeLate = true
        for entry in try entries(dir + "/late.tape") {
            guard case .frame(let f) = entry else { continue }
            if f.record.epoch < seenEpoch {
                late.append(f.record.epoch)
                lateWhileNewest.insert(seenEpoch)
            } else if f.facts.streamType == .snapshot && lateWhileNewest.contains(f.record.epoch) {
                snapshotsBeforeLate = false
            }
            seenEpoch = max(seenEpoch, f.record.epoch)
        }
        #expect(late == [1, 1, 2, 2], "two recorded disconnects, two late frames each, from the old epoch")
        #expect(snapshotsBeforeLate, "late frames arrive after the new epoch's snapshot burst")
        #expect(try TapeVerifier.verify(TapeReader(path: dir + "/late.tape")).problems.isEmpty)
    }

    @Test func badChaosSpecsNameTheFault() {
        #expect(throws: ChaosSpecError.self) { try ChaosSpec.parse("cut sometimes") }
        #expect(throws: ChaosSpecError.self) { try ChaosSpec.parse("dup 2") }
        #expect(throws: ChaosSpecError.self) { try ChaosSpec.parse("explode 1") }
        #expect((try? ChaosSpec.parse("cut every:10s; dup 0.005"))?.description == "cut every:10s; dup 0.005,window:5")
    }

    @Test func authFaultsParseRoundTripAndAreServerOnly() throws {
        let spec = try ChaosSpec.parse("auth-expire every:5s; private-outage for:2s,every:20s")
        #expect(spec.authExpireEveryNs == 5_000_000_000)
        #expect(spec.privateOutageForNs == 2_000_000_000)
        #expect(spec.privateOutageEveryNs == 20_000_000_000)
        #expect(spec.privateOutageAtNs == 20_000_000_000)
        #expect(spec.hasServerOnlyFaults)
        #expect(spec.description == "auth-expire every:5s; private-outage for:2s,every:20s")
        #expect(try ChaosSpec.parse(spec.description) == spec)
        let once = try ChaosSpec.parse("private-outage for:3s,at:1s")
        #expect(once.description == "private-outage for:3s,at:1s")
        #expect(try ChaosSpec.parse("private-outage for:3s").privateOutageAtNs == 0)
        #expect(!(try ChaosSpec.parse("cut every:5s")).hasServerOnlyFaults)
        #expect(throws: ChaosSpecError.self) { try ChaosSpec.parse("auth-expire") }
        #expect(throws: ChaosSpecError.self) { try ChaosSpec.parse("private-outage for:5s,every:5s") }
        #expect(throws: ChaosSpecError.self) { try ChaosSpec.parse("private-outage every:5s") }
    }
}
