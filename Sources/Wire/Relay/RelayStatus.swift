import Foundation
import Primitives
import Rules

/// The relay's `GET /status` body.
///
/// ```json
/// {"upstream":{"url":"wss://…","connected":true,"epoch":2,"frames":51234,"bytes":40123456},
///  "elapsed_s":61.2,"clients":3,"rules":{"inputs":51000,"accepted":50800,"discarded":200},
///  "consumers":[{"id":1,"name":"client-1","open":true,"delivered":50790,"dropped":0,"coalesced":4,
///                "queue_depth":0,"max_depth":12,"lag_p50_ms":0.05,"lag_p99_ms":0.4}]}
/// ```
enum RelayStatus {
    private static func int(_ value: some BinaryInteger) -> JSONValue { .number(String(value)) }
    private static func ms(_ ns: Int64) -> JSONValue {
        .number(String(format: "%.3f", Double(ns) / 1e6))
    }

    static func json(
        hub: RelayHub,
        upstream url: String,
        recording: RecordingRun.Status,
        elapsedNanos: Int64
    )
        -> String
    {
        let consumers = hub.consumers()
        let (counts, _) = hub.rules()
        let open = consumers.filter { $0.open && $0.metrics.name.hasPrefix("client-") }.count
        let value = JSONValue.object([
            (
                "upstream",
                .object([
                    ("url", .string(url)),
                    ("connected", .bool(recording.connected)),
                    ("epoch", Self.int(recording.epoch)),
                    ("frames", Self.int(recording.frames)),
                    ("bytes", Self.int(recording.bytes)),
                ])
            ),
            ("elapsed_s", .number(String(format: "%.3f", Double(elapsedNanos) / 1e9))),
            ("clients", Self.int(open)),
            (
                "rules",
                .object([
                    ("inputs", Self.int(counts.inputs)),
                    ("accepted", Self.int(counts.accepted)),
                    ("discarded", Self.int(counts.discarded)),
                ])
            ),
            ("consumers", .array(consumers.map(Self.consumer))),
        ])
        return String(decoding: value.serialized(), as: UTF8.self)
    }

    static func consumer(_ status: RelayConsumerStatus) -> JSONValue {
        let m = status.metrics
        return .object([
            ("id", Self.int(status.id)),
            ("name", .string(m.name)),
            ("open", .bool(status.open)),
            ("delivered", Self.int(m.delivered)),
            ("dropped", Self.int(m.dropped)),
            ("coalesced", Self.int(m.coalesced)),
            ("queue_depth", Self.int(status.depth)),
            ("max_depth", Self.int(m.maxQueueDepth)),
            ("lag_p50_ms", Self.ms(m.lagP50Ns)),
            ("lag_p99_ms", Self.ms(m.lagP99Ns)),
        ])
    }
}
