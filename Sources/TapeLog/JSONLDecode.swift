import Exchange
import Primitives

/// A line of an export, decoded for `ticktape import`.
public enum JSONLLine: Sendable {
    case session(SessionInfo)
    case entry(TapeEntry)
}

/// Why a JSONL line could not be imported; `line` is 1-based.
public struct JSONLError: Error, CustomStringConvertible, Sendable {
    public var line: Int
    public var reason: String
    public var description: String { "line \(line): \(reason)" }

    public init(line: Int, reason: String) {
        self.line = line
        self.reason = reason
    }
}

extension JSONLCodec {
    /// Decodes one line written by ``line(_:)-(SessionInfo)`` or ``line(_:)-(TapeEntry)``.
    public static func decode(_ bytes: some Collection<UInt8>, line: Int) throws(JSONLError) -> JSONLLine {
        let value: JSONValue
        do { value = try JSONValue.parse(bytes) } catch { throw JSONLError(line: line, reason: "not JSON (\(error))") }
        func string(_ key: String) throws(JSONLError) -> String {
            guard let s = value[key]?.stringValue else {
                throw JSONLError(line: line, reason: "missing string \"\(key)\"")
            }
            return s
        }
        func int(_ key: String) throws(JSONLError) -> Int64 {
            guard let n = value[key]?.int64Value else {
                throw JSONLError(line: line, reason: "missing integer \"\(key)\"")
            }
            return n
        }
        func optionalInt(_ key: String) throws(JSONLError) -> Int64? {
            guard let v = value[key] else { return nil }
            guard let n = v.int64Value else { throw JSONLError(line: line, reason: "\"\(key)\" is not an integer") }
            return n
        }
        guard value.objectValue != nil else { throw JSONLError(line: line, reason: "not a JSON object") }
        let kind = try string("kind")
        switch kind {
        case "session":
            // Only the start time is required: the writer settings and the tool that wrote the
            // capture default (normal sync, 50 ms commits), since a foreign capture has none.
            var sync = SyncLevel.normal
            if value["sync"] != nil {
                guard let level = SyncLevel(rawValue: try string("sync")) else {
                    throw JSONLError(line: line, reason: "unknown sync level")
                }
                sync = level
            }
            return .session(
                SessionInfo(
                    toolVersion: value["tool_version"] == nil ? "unknown" : try string("tool_version"),
                    url: value["url"] == nil ? "unknown" : try string("url"),
                    subscription: value["subscription"]?.stringValue,
                    startedNs: try int("started_ns"),
                    sync: sync,
                    commitMs: try optionalInt("commit_ms") ?? 50,
                    chaos: value["chaos"]?.stringValue
                )
            )
        case "frame":
            guard let direction = ["in": Direction.inbound, "out": .outbound][try string("dir")] else {
                throw JSONLError(line: line, reason: "\"dir\" must be in or out")
            }
            guard let opcode = FrameOpcode(name: try string("opcode")) else {
                throw JSONLError(line: line, reason: "unknown opcode")
            }
            let payload: [UInt8]
            if let text = value["text"]?.stringValue {
                payload = Array(text.utf8)
            } else if let encoded = value["base64"]?.stringValue, let decoded = Base64.decode(encoded) {
                payload = decoded
            } else {
                throw JSONLError(line: line, reason: "a frame needs \"text\" or valid \"base64\"")
            }
            let epoch = try int("epoch")
            let seq = try int("seq")
            let fragments = try optionalInt("fragments") ?? 1
            guard epoch > 0, epoch <= Int64(UInt32.max), seq > 0, fragments > 0, fragments <= Int64(UInt16.max) else {
                throw JSONLError(line: line, reason: "epoch, seq and fragments must be positive")
            }
            let record = FrameRecord(
                epoch: UInt32(epoch),
                seq: UInt64(seq),
                direction: direction,
                opcode: opcode,
                fragments: UInt16(fragments),
                recvNs: try int("recv_ns"),
                monoNs: try int("mono_ns"),
                payload: payload
            )
            return .entry(.frame(TapeFrame(record: record, facts: FrameFacts())))
        default:
            guard let eventKind = LifecycleKind(rawValue: kind) else {
                throw JSONLError(line: line, reason: "unknown kind \"\(kind)\"")
            }
            let epoch = try int("epoch")
            let seq = try int("seq")
            guard epoch >= 0, epoch <= Int64(UInt32.max), seq >= 0 else {
                throw JSONLError(line: line, reason: "epoch and seq must not be negative")
            }
            return .entry(
                .event(
                    LifecycleRecord(
                        kind: eventKind,
                        epoch: UInt32(epoch),
                        afterSeq: UInt64(seq),
                        wallNs: try int("recv_ns"),
                        monoNs: try int("mono_ns"),
                        closeCode: try optionalInt("close_code"),
                        count: try optionalInt("count"),
                        detail: value["detail"]?.stringValue
                    )
                )
            )
        }
    }
}
