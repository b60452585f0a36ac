import Exchange
import Primitives
import Rules

/// What `check --deliveries` judges: a user's client, from the log of what it applied.
public struct ClientCheckInput: Sendable {
    /// The client's name in the report (`--deliveries-name`, default `client`).
    public var name: String
    /// The deliveries log's path.
    public var deliveriesPath: String
    /// The log, being read on a thread of its own while the tape is checked (reading a million
    /// lines costs about as much as checking a million frames).
    let deliveries: Background<ClientDeliveries, DeliveriesLogError>
    /// The server's sent log (`serve --sent-log`): each line's epoch is then known, and C3 judged.
    public var sent: SentLog?
    /// The client says it applies every accepted trade of its streams: C6 is judged.
    public var lossless: Bool
    /// Reads the messages' other spellings when a line's key is not the tape's.
    public var profile: any ExchangeProfile

    /// A check of the log at `deliveriesPath`, which starts being read now, with `profile`.
    public init(
        name: String = "client",
        deliveriesPath: String,
        sent: SentLog? = nil,
        lossless: Bool = false,
        profile: any ExchangeProfile
    ) {
        self.name = name
        self.deliveriesPath = deliveriesPath
        self.deliveries = Background { () throws(DeliveriesLogError) in
            try ClientDeliveries.read(path: deliveriesPath, profile: profile)
        }
        self.sent = sent
        self.lossless = lossless
        self.profile = profile
    }

    /// A check of a log already read.
    public init(
        name: String = "client",
        deliveries: ClientDeliveries,
        sent: SentLog? = nil,
        lossless: Bool = false,
        profile: any ExchangeProfile
    ) {
        self.name = name
        self.deliveriesPath = deliveries.path
        self.deliveries = Background { () throws(DeliveriesLogError) in deliveries }
        self.sent = sent
        self.lossless = lossless
        self.profile = profile
    }

    /// The deliveries log once read (waits for it), or why it is not one. Call it from one
    /// thread at a time.
    public func readDeliveries() -> Result<ClientDeliveries, DeliveriesLogError> { deliveries.result() }

    /// What the report says about the run.
    func info(lines: Int) -> ClientRunInfo {
        ClientRunInfo(name: name, deliveries: deliveriesPath, sentLog: sent?.path, lossless: lossless, lines: lines)
    }
}

/// The client part of a check's options, for the report.
public struct ClientRunInfo: Sendable, Hashable {
    public var name: String
    /// The deliveries log's path.
    public var deliveries: String
    /// The sent log's path, when one was given.
    public var sentLog: String?
    public var lossless: Bool
    /// Non-blank lines in the deliveries log.
    public var lines: Int
}

/// `check --deliveries`: the tape through the reconcile rules (no fan-out: the client is the
/// consumer), then every line of the client's log through the oracle, in the log's order, as if
/// ticktape had delivered it: C1, C2, C4 and C5 always, C3 with the sent log, C6 for a lossless
/// client, and `unknown` for a line that matches no frame.
///
/// A line is attributed to a tape frame by its idempotency key: with the sent log, to the
/// message the server sent with that key (see ``SentLog``); without it, to the first tape frame
/// with that key and stream type. Its event time, stream type and key are the line's own, so
/// what is judged is what the client applied. A key not found as spelled is tried in the
/// profile's other spellings (a SIMPLE client of a DEFAULT tape).
///
/// Memory: the rules' and the oracle's as for any check, plus one record per line and, without a
/// sent log, one entry per distinct idempotency key of the tape.
public struct ClientCheckPipeline: TapeChecker {
    /// The tape as the report names it.
    public let tape: String
    /// The run's options, with the client as its one consumer.
    public let run: RunInfo
    private var engine: ReplayEngine
    private let oracle: CheckOracle
    private let client: ClientCheckInput
    private var firstFrames: FirstFrames

    /// Starts a check of `client` against `tape` (a name for the report).
    public init(tape: String, run: RunInfo, client: ClientCheckInput) throws(ReplayError) {
        var rulesOnly = run.replay
        rulesOnly.consumers = []
        engine = try ReplayEngine(options: rulesOnly)
        let spec = ConsumerSpec(name: client.name, capacity: 1, policy: client.lossless ? .block : .dropOldest)
        var run = run
        run.replay.consumers = [spec]
        run.client = client.info(lines: 0)
        self.tape = tape
        self.run = run
        self.client = client
        oracle = CheckOracle(
            client: spec,
            rules: ClientLaneRules(lossless: client.lossless, epochsKnown: client.sent != nil),
            options: run.check
        )
        firstFrames = FirstFrames()
    }

    /// One input, in tape order: through the rules, and noted for attribution.
    public mutating func feed(_ input: ReplayInput) {
        oracle.observe(input)
        engine.feed(input, observer: oracle)
        guard client.sent == nil, case .frame(let frame) = input, frame.direction == .inbound,
            let key = frame.facts.idempotencyKey
        else { return }
        firstFrames.note(key: key, streamType: frame.facts.streamType ?? .realtime, epoch: frame.epoch, seq: frame.seq)
    }

    /// A hint for an input a few places ahead; changes nothing.
    public func prefetch(_ input: ReplayInput) {
        guard let key = input.inboundIdempotencyKey else { return }
        engine.prefetch(idempotencyKey: key)
    }

    /// Waits for the log, judges every line in its order, and evaluates. The checker is spent
    /// afterwards.
    public mutating func finish(integrity: IntegrityResults) -> TapeCheckResult {
        var result = engine.finish(observer: oracle)
        let deliveries: ClientDeliveries
        switch client.readDeliveries() {
        case .success(let read): deliveries = read
        case .failure(let error): return .unreadable(tape: tape, reason: error.description, run: run)
        }
        var run = run
        run.client = client.info(lines: deliveries.lineCount)
        oracle.selectClientStreams(Set(deliveries.lines.map(\.streamKey)))
        var metrics = ConsumerMetrics(name: client.name, digest: "")
        var digest = SHA256()
        var matcher = client.sent.map(SentMatcher.init)
        // Opened on the first line not found as spelled, then kept for the rest.
        var reader: ClientDeliveries.MessageReader?
        var lastEpoch: UInt32?
        for lost in client.sent?.lostStreams() ?? [] {
            let names = lost.lost.map { $0.code.isEmpty ? $0.type : "\($0.type) \($0.code)" }
            let kept = lost.before - lost.lost.count
            let whose =
                lost.previousConnection == lost.request.connection
                ? "its previous request" : "connection \(lost.previousConnection) before it"
            oracle.lostSubscription(
                explanation: "client connection \(lost.request.connection) (sent log line \(lost.request.line)) "
                    + "subscribed to \(kept) of the \(lost.before) (type, code) pairs \(whose) had; lost: "
                    + names.joined(separator: ", ")
            )
        }
        for rejected in deliveries.rejected {
            oracle.unmatched(line: rejected.line, explanation: rejected.reason)
        }
        for line in deliveries.lines {
            guard let (frame, key) = attribute(line, reader: &reader, in: deliveries, matcher: &matcher) else {
                oracle.unmatched(line: line.line, explanation: unmatchedReason(line))
                continue
            }
            oracle.applied(
                line: line.line,
                type: line.type,
                code: line.code,
                epoch: frame.epoch,
                seq: frame.seq,
                timeMs: line.timeMs,
                streamType: line.streamType,
                idempotencyKey: key,
                atNs: line.tNs
            )
            metrics.delivered += 1
            digest.update(bigEndian: frame.epoch)
            digest.update(bigEndian: frame.seq)
            if let lastEpoch, lastEpoch != frame.epoch { metrics.epochSwitches += 1 }
            lastEpoch = frame.epoch
        }
        let outcome = oracle.outcome()
        metrics.offered = outcome.consumers.first?.acceptedSelected ?? 0
        metrics.digest = digest.hex
        result.consumers = [metrics]
        var checked = TapeCheckResult(tape: tape, run: run, integrity: integrity, outcome: outcome, replay: result)
        if let torn = deliveries.tornTail {
            checked.notes.append(
                "line \(torn) of \(deliveries.path) is a torn final line (no newline, not JSON): ignored"
            )
        }
        return checked
    }

    /// The frame a line applied and its key as the tape spells it; nil when nothing matches.
    private func attribute(
        _ line: AppliedLine,
        reader: inout ClientDeliveries.MessageReader?,
        in deliveries: ClientDeliveries,
        matcher: inout SentMatcher?
    ) -> (frame: (epoch: UInt32, seq: UInt64), key: UInt64)? {
        if matcher != nil {
            if let sent = matcher!.match(key: line.key, streamType: line.streamType) {
                return ((sent.epoch, sent.seq), line.key)
            }
            for key in otherKeys(line, &reader, deliveries) {
                if let sent = matcher!.match(key: key, streamType: line.streamType) {
                    return ((sent.epoch, sent.seq), key)
                }
            }
            return nil
        }
        if let frame = firstFrames.frame(key: line.key, streamType: line.streamType) { return (frame, line.key) }
        for key in otherKeys(line, &reader, deliveries) {
            if let frame = firstFrames.frame(key: key, streamType: line.streamType) { return (frame, key) }
        }
        return nil
    }

    /// The line's idempotency key in the profile's other spellings.
    private func otherKeys(
        _ line: AppliedLine,
        _ reader: inout ClientDeliveries.MessageReader?,
        _ deliveries: ClientDeliveries
    ) -> [UInt64] {
        if reader == nil { reader = deliveries.messageReader() }
        guard let message = reader?.message(of: line) else { return [] }
        return client.profile.otherSpellings(of: message).compactMap { client.profile.facts(of: $0).idempotencyKey }
    }

    private func unmatchedReason(_ line: AppliedLine) -> String {
        let what = line.code.isEmpty ? line.type : "\(line.type) \(line.code)"
        let key = hex16(line.key)
        if client.sent != nil {
            return "\(what) at \(line.timeMs) ms key \(key), matches no message the server sent "
                + "(fabricated, corrupted, from another session, or applied more often than it was sent)"
        }
        return "\(what) at \(line.timeMs) ms key \(key), matches no frame of the tape "
            + "(fabricated, corrupted, or from another tape)"
    }
}

/// A check pipeline: inputs in tape order, then the result.
public protocol TapeChecker {
    /// One input, in tape order.
    mutating func feed(_ input: ReplayInput)
    /// A hint for an input a few places ahead of the next ``feed(_:)``; changes nothing.
    func prefetch(_ input: ReplayInput)
    /// The result, with the recording invariants `integrity` carries.
    mutating func finish(integrity: IntegrityResults) -> TapeCheckResult
}

extension CheckPipeline: TapeChecker {}
