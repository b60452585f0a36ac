import Exchange
import Rules

/// The streams a tape's subscription covers, for the `silent_stream` finding: a stream that had
/// data before a reconnect and none after it is a finding only while the subscription still asks
/// for it.
public struct SubscriptionCoverage: Sendable, Hashable {
    /// (type, code) pairs asked for by name.
    public var streams: Set<StreamKey>
    /// Types asked for without codes: every code of them is covered.
    public var everyCode: Set<String>

    public init(_ requested: [RequestedStream]) {
        streams = Set(
            requested.compactMap { stream in stream.code.map { StreamKey(type: stream.type, code: $0) } }
        )
        everyCode = Set(requested.filter { $0.code == nil }.map(\.type))
    }

    /// Whether the subscription asks for `key`.
    public func covers(_ key: StreamKey) -> Bool { everyCode.contains(key.type) || streams.contains(key) }
}

/// The `silent_stream` watch: which market streams had data, which are waiting for their first
/// data after a reconnect, and since when. Memory: one entry per stream key.
struct SilenceWatch: Sendable {
    /// A stream waiting for data since the reconnect that opened `epoch` at `sinceNs`.
    struct Waiting: Sendable {
        var epoch: UInt32
        var sinceNs: Int64
    }

    /// The newest epoch each market stream had inbound data in.
    var lastEpoch: [StreamKey: UInt32] = [:]
    var waiting: [StreamKey: Waiting] = [:]
    /// Streams reported silent and not heard from since: not reported again until they are.
    var reported: Set<StreamKey> = []
    /// The earliest moment a waiting stream's window ends (Int64.max when none waits).
    var nextDeadlineNs = Int64.max
}

extension OracleCore {
    /// A market message of `key` in `epoch`: the stream is alive.
    mutating func noteStreamData(_ key: StreamKey, epoch: UInt32) {
        // One lookup per message on the common path: the key is known and its epoch current.
        let last = silence.lastEpoch[key]
        if last.map({ $0 < epoch }) ?? true { silence.lastEpoch[key] = epoch }
        let newest = max(last ?? 0, epoch)
        // A stale tail of an older epoch does not end the silence after a newer reconnect.
        if !silence.waiting.isEmpty, let waiting = silence.waiting[key], epoch >= waiting.epoch {
            silence.waiting[key] = nil
        }
        if !silence.reported.isEmpty, epoch >= newest { silence.reported.remove(key) }
    }

    /// A connect opening `epoch` at `ns`: every covered stream that had data in an older epoch
    /// and is not already waiting or reported waits for data from now on.
    mutating func noteReconnect(epoch: UInt32, at ns: Int64) {
        guard options.silenceWindowNs > 0 else { return }
        for (key, last) in silence.lastEpoch where last < epoch {
            guard silence.waiting[key] == nil, !silence.reported.contains(key) else { continue }
            if let coverage = options.subscription, !coverage.covers(key) { continue }
            silence.waiting[key] = SilenceWatch.Waiting(epoch: epoch, sinceNs: ns)
        }
        if !silence.waiting.isEmpty {
            silence.nextDeadlineNs = min(silence.nextDeadlineNs, ns &+ options.silenceWindowNs)
        }
    }

    /// Session time has reached `ns`: streams whose window ended without data are reported, in
    /// (type, code) order so reports are deterministic.
    mutating func checkSilence(at ns: Int64) {
        guard ns > silence.nextDeadlineNs else { return }
        let window = options.silenceWindowNs
        let due = silence.waiting.filter { ns > $0.value.sinceNs &+ window }.sorted { $0.key < $1.key }
        for (key, waiting) in due {
            silence.waiting[key] = nil
            silence.reported.insert(key)
            findings.record(FindingClass.silentStream.index) {
                FindingSample(
                    kind: .silentStream,
                    epoch: waiting.epoch,
                    seq: 0,
                    type: key.type,
                    code: key.code.isEmpty ? nil : key.code,
                    eventTimeMs: nil,
                    streamType: nil,
                    idempotencyKey: nil,
                    sessionNs: waiting.sinceNs,
                    explanation: CheckExplain.silentStream(
                        Self.describe(key),
                        epoch: waiting.epoch,
                        sinceNs: waiting.sinceNs,
                        windowNs: window
                    )
                )
            }
        }
        silence.nextDeadlineNs = silence.waiting.values.map { $0.sinceNs &+ window }.min() ?? Int64.max
    }
}
