import Primitives
import Rules
import Testing
import TicktapeTestSupport
import Upbit

/// The relay core: live consumers that take at their own pace, the journal of what decided their
/// deliveries, and a reproduction from that journal that must take exactly the same.
@Suite("live relay")
struct LiveRelayTests {
    /// A session of tickers, orderbooks and trades over 6 markets and two epochs, with
    /// duplicates and a re-sent snapshot at the reconnect.
    private static func frames() -> [ScriptFrame] {
        var moments: [Moment] = []
        for i in 0..<600 {
            let epoch: UInt32 = i < 300 ? 1 : 2
            let code = "KRW-\(i % 6)"
            moments.append(
                at(ms: Int64(i), epoch: epoch) {
                    if i % 3 == 0 { ticker(code, time: Int64(i), value: i) }
                    if i % 3 == 1 { orderbook(code, time: Int64(i), value: i) }
                    if i % 3 == 2 { trade(code, sid: UInt64(i), time: Int64(i)) }
                    if i % 50 == 7 { trade(code, sid: UInt64(i - 3), time: Int64(i - 3)) }
                }
            )
        }
        return place(moments)
    }

    private static func keys(_ pairs: String...) -> [StreamKey] {
        pairs.map { pair in
            let parts = pair.split(separator: ":")
            return StreamKey(type: String(parts[0]), code: String(parts[1]))
        }
    }

    /// Runs the session live with takes drawn from `seed`; returns the journal, each consumer's
    /// final metrics and the consumer events positioned by frame index.
    private static func live(seed: UInt64) throws -> (journal: [RelayJournalEntry], finals: [Int: ConsumerMetrics]) {
        let frames = frames()
        var relay = LiveRelay()
        var random = SplitMix64(seed: seed)
        var finals: [Int: ConsumerMetrics] = [:]
        let gui = try relay.open(
            ConsumerSpec(name: "gui", capacity: 8, policy: .coalesce),
            request: .everything
        )
        let algo = try relay.open(
            ConsumerSpec(name: "algo", capacity: 32, policy: .dropOldest),
            request: .everything
        )
        var client: Int?
        for (index, frame) in frames.enumerated() {
            _ = relay.ingest(frame.ruleInput)
            if index == 100 {
                client = try relay.open(ConsumerSpec(name: "client", capacity: 4, policy: .dropNewest))
                try relay.request(
                    client!,
                    RelayRequest(
                        realtime: Self.keys("ticker:KRW-1", "trade:KRW-1"),
                        snapshots: Self.keys("ticker:KRW-1", "trade:KRW-1")
                    )
                )
            }
            if index == 400, let id = client {
                try relay.request(
                    id,
                    RelayRequest(realtime: Self.keys("orderbook:KRW-2"), snapshots: [])
                )
            }
            if index == 500, let id = client { finals[id] = try relay.close(id) }
            for id in relay.consumers {
                // gui is slow (1 event in 4 turns), algo takes bursts of 3 in 1 turn of 8, the client keeps up.
                let roll = Int(random.next() % 8)
                let wanted = id == gui ? (roll < 2 ? 1 : 0) : id == algo ? (roll < 2 ? roll * 3 : 0) : 8
                _ = relay.take(id, max: wanted, atNs: frame.ruleInput.arrivalNs + 1)
            }
            if index % 37 == 0 { relay.checkpoint() }
        }
        for id in relay.consumers { finals[id] = try relay.close(id) }
        return (relay.drainJournal(), finals)
    }

    /// Feeds the same frames and the journaled consumer events at their positions to a relay
    /// reproducing the journal.
    private static func reproduce(_ journal: [RelayJournalEntry]) throws -> LiveRelay {
        let checkpoints = journal.compactMap { entry -> RelayCheckpoint? in
            if case .checkpoint(let checkpoint) = entry { checkpoint } else { nil }
        }
        var events = journal.compactMap { entry -> RelayConsumerEvent? in
            if case .consumer(let event) = entry { event } else { nil }
        }[...]
        var relay = LiveRelay(rules: ReconcilerOptions(), reproducing: checkpoints)
        func apply(_ event: RelayConsumerEvent) throws {
            switch event.kind {
            case .open:
                try relay.open(
                    try ConsumerSpec.parse(event.spec ?? ""),
                    request: event.request.flatMap(RelayRequest.init(parsing:)),
                    id: event.consumer
                )
            case .request: try relay.request(event.consumer, try #require(RelayRequest(parsing: event.request ?? "")))
            case .close: try relay.close(event.consumer)
            }
        }
        while let first = events.first, first.epoch == 0 {
            try apply(first)
            events = events.dropFirst()
        }
        for frame in frames() {
            _ = relay.ingest(frame.ruleInput)
            while let next = events.first, next.epoch == frame.epoch, next.afterSeq == frame.seq {
                try apply(next)
                events = events.dropFirst()
            }
        }
        #expect(events.isEmpty)
        relay.finishReproduction()
        return relay
    }

    @Test("a reproduction from the journal agrees with every live checkpoint, drops and coalesces included")
    func reproductionAgrees() throws {
        for seed in UInt64(1)...5 {
            let (journal, finals) = try Self.live(seed: seed)
            let replayed = try Self.reproduce(journal)
            #expect(!replayed.results.isEmpty)
            let disagreements = replayed.results.filter { !$0.agrees }
            #expect(
                disagreements.isEmpty,
                "seed \(seed): \(disagreements.map { "\($0.consumer) at op \($0.live.toOp)" })"
            )
            let closed = Dictionary(uniqueKeysWithValues: replayed.closed.map { ($0.id, $0.metrics) })
            for (id, metrics) in finals {
                #expect(closed[id]?.digest == metrics.digest, "seed \(seed), consumer \(id)")
                #expect(closed[id]?.delivered == metrics.delivered)
            }
            // The slow consumers really dropped and coalesced: the marks carried that.
            #expect(finals[1]!.coalesced > 0)
            #expect(finals[2]!.dropped > 0)
        }
    }

    @Test("a consumer that keeps up and one that is stuck cost no marks")
    func steadyConsumersCostNothing() throws {
        var relay = LiveRelay()
        let quick = try relay.open(ConsumerSpec(name: "quick", capacity: 16))
        _ = try relay.open(ConsumerSpec(name: "stuck", capacity: 16))
        for frame in Self.frames() {
            _ = relay.ingest(frame.ruleInput)
            _ = relay.take(quick, max: 100, atNs: 0)
        }
        relay.checkpoint()
        let marks = relay.drainJournal().compactMap { entry -> RelayCheckpoint? in
            if case .checkpoint(let checkpoint) = entry { checkpoint } else { nil }
        }
        #expect(marks.count == 2)
        #expect(marks[0].marks.isEmpty, "the quick consumer found its queue empty before every offer")
        // The stuck one is marked only while its queue filled: depths 1 … 16, then never again.
        #expect(marks[1].marks.marks.map(\.depth) == Array(1...16))
    }

    @Test("a tampered mark is a disagreement naming the first delivery after the agreed ones")
    func tamperedMarkIsCaught() throws {
        let (journal, _) = try Self.live(seed: 9)
        var tampered = journal
        // algo's fullest moment: live, its queue was full there (the offer dropped the oldest);
        // the tampered journal says it had emptied its queue instead.
        let index = try #require(
            tampered.indices.max { a, b in
                func fullest(_ entry: RelayJournalEntry) -> Int {
                    guard case .checkpoint(let c) = entry, c.consumer == 2 else { return -1 }
                    return c.marks.marks.map(\.depth).max() ?? -1
                }
                return fullest(tampered[a]) < fullest(tampered[b])
            }
        )
        guard case .checkpoint(var checkpoint) = tampered[index] else { return }
        var marks = RelayMarks()
        let deepest = try #require(checkpoint.marks.marks.max { $0.depth < $1.depth })
        #expect(deepest.depth == 32)
        for mark in checkpoint.marks.marks { marks.append(op: mark.op, depth: mark.op == deepest.op ? 0 : mark.depth) }
        checkpoint.marks = marks
        tampered[index] = .checkpoint(checkpoint)
        let replayed = try Self.reproduce(tampered)
        let failures = replayed.results.filter { !$0.agrees }
        #expect(failures.count == 1, "one report per consumer: its first disagreement")
        #expect(failures.first?.consumer == 2)
        #expect(failures.first?.firstDifferent != nil)
    }

    @Test("marks round-trip through their varint encoding; bad bytes are refused")
    func marksEncoding() {
        var marks = RelayMarks()
        for (op, depth) in [(3, 1), (4, 0), (300, 5000), (70_000, 2)] { marks.append(op: UInt64(op), depth: depth) }
        let bytes = marks.encoded(after: 2)
        #expect(RelayMarks.decode(bytes, after: 2) == marks)
        #expect(RelayMarks.decode(Array(bytes.dropLast()), after: 2) == nil)
        #expect(RelayMarks.decode([0, 1], after: 0) == nil, "an operation never repeats")
    }

    @Test("a request's SNAPSHOTs come in the order their states arrived, older epochs first")
    func snapshotsInArrivalOrder() throws {
        var relay = LiveRelay()
        // Every stream has state from epoch 1; the first two of epoch 2 move two of them on.
        var newer = 0
        for frame in Self.frames() {
            if frame.ruleInput.epoch == 2 {
                if newer == 2 { break }
                newer += 1
            }
            _ = relay.ingest(frame.ruleInput)
        }
        let id = try relay.open(ConsumerSpec(name: "late", capacity: 64, policy: .dropOldest), request: .everything)
        let snapshots = relay.take(id, max: 64, atNs: 0)
        #expect(snapshots.count >= 6, "a stream per market at least")
        #expect(snapshots.allSatisfy { $0.streamType == .snapshot })
        let order = snapshots.map { ($0.epoch, $0.seq) }
        #expect(order.elementsEqual(order.sorted { $0 < $1 }, by: ==), "\(order)")
        #expect(snapshots.suffix(2).allSatisfy { $0.epoch == 2 } && snapshots.dropLast(2).allSatisfy { $0.epoch == 1 })
    }

    @Test("policy block is refused live")
    func blockIsRefused() {
        var relay = LiveRelay()
        #expect(throws: RelayError.self) { _ = try relay.open(ConsumerSpec(name: "b", policy: .block)) }
    }
}
