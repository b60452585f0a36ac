import Exchange

/// Identifies a file as a ticktape tape and its format version (see <doc:TapeFileFormat>).
public enum TapeFormat {
    /// `PRAGMA application_id`: 0x54544150, "TTAP".
    public static let applicationID: Int64 = 1_414_807_888
    /// `PRAGMA user_version` this build writes and the newest it reads. Format 2 added
    /// `block.crc32`; format 1 tapes are still read, their payloads checked by length only.
    public static let version: Int64 = 2
    /// The first format whose blocks carry a CRC-32 of their raw bytes.
    public static let checksumVersion: Int64 = 2
}

/// Direction of a frame relative to the recorder.
public enum Direction: UInt8, Sendable, Hashable {
    case inbound = 0
    case outbound = 1

    /// `in` or `out`, as in exports and reports.
    public var name: String { self == .inbound ? "in" : "out" }
}

/// A WebSocket opcode (RFC 6455 §5.2), kept as its raw value so unknown opcodes round-trip (a
/// recorder never rejects what came off the wire).
public struct FrameOpcode: RawRepresentable, Sendable, Hashable, ExpressibleByIntegerLiteral {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// An opcode written as its number (`2` is binary).
    public init(integerLiteral value: UInt8) { self.rawValue = value }

    public static let continuation = FrameOpcode(rawValue: 0x0)
    public static let text = FrameOpcode(rawValue: 0x1)
    public static let binary = FrameOpcode(rawValue: 0x2)
    public static let close = FrameOpcode(rawValue: 0x8)
    public static let ping = FrameOpcode(rawValue: 0x9)
    public static let pong = FrameOpcode(rawValue: 0xA)

    /// `text`, `binary`, `close`, `ping`, `pong`, `continuation`, or `opN`, as in exports.
    public var name: String {
        switch self {
        case .text: "text"
        case .binary: "binary"
        case .close: "close"
        case .ping: "ping"
        case .pong: "pong"
        case .continuation: "continuation"
        default: "op\(rawValue)"
        }
    }

    /// Parses a ``name``; nil for anything else (or an `opN` outside 0…15).
    public init?(name: String) {
        switch name {
        case "text": self = .text
        case "binary": self = .binary
        case "close": self = .close
        case "ping": self = .ping
        case "pong": self = .pong
        case "continuation": self = .continuation
        default:
            guard name.hasPrefix("op"), let value = UInt8(name.dropFirst(2)), value < 16 else { return nil }
            self.init(rawValue: value)
        }
    }

    /// Text and binary messages carry data; everything else is control.
    public var isData: Bool { self == .text || self == .binary }
}

/// One recorded message or control frame, stamped with its place in the session.
public struct FrameRecord: Sendable, Hashable {
    /// Connection epoch, 1, 2, 3 … with no gaps.
    public var epoch: UInt32
    /// Position in the epoch over inbound and outbound frames together, 1, 2, 3 …
    public var seq: UInt64
    public var direction: Direction
    /// RFC 6455 opcode of the (first) frame.
    public var opcode: FrameOpcode
    /// How many wire frames were reassembled into this message (1 when unfragmented).
    public var fragments: UInt16
    /// Wall clock at arrival (or send), Unix nanoseconds.
    public var recvNs: Int64
    /// Monotonic nanoseconds since the session started.
    public var monoNs: Int64
    /// The unmasked payload, exactly as it came off the wire.
    public var payload: [UInt8]

    public init(
        epoch: UInt32,
        seq: UInt64,
        direction: Direction,
        opcode: FrameOpcode,
        fragments: UInt16 = 1,
        recvNs: Int64,
        monoNs: Int64,
        payload: [UInt8]
    ) {
        self.epoch = epoch
        self.seq = seq
        self.direction = direction
        self.opcode = opcode
        self.fragments = fragments
        self.recvNs = recvNs
        self.monoNs = monoNs
        self.payload = payload
    }
}

/// Kinds of lifecycle events. Lifecycle facts are appended, never written back.
public enum LifecycleKind: String, Sendable, Hashable, CaseIterable {
    case connect
    case connectFailed = "connect_failed"
    case subscribe
    case disconnect
    case error
    case loss
    case sessionEnd = "session_end"
}

/// A lifecycle event, positioned after frame (`epoch`, `afterSeq`).
public struct LifecycleRecord: Sendable, Hashable {
    public var kind: LifecycleKind
    public var epoch: UInt32
    public var afterSeq: UInt64
    public var wallNs: Int64
    public var monoNs: Int64
    /// WebSocket close code for `disconnect`, HTTP status for `connect_failed` when known.
    public var closeCode: Int64?
    /// Number of missing frames for `loss`.
    public var count: Int64?
    /// Human-readable reason or detail.
    public var detail: String?

    public init(
        kind: LifecycleKind,
        epoch: UInt32,
        afterSeq: UInt64,
        wallNs: Int64,
        monoNs: Int64,
        closeCode: Int64? = nil,
        count: Int64? = nil,
        detail: String? = nil
    ) {
        self.kind = kind
        self.epoch = epoch
        self.afterSeq = afterSeq
        self.wallNs = wallNs
        self.monoNs = monoNs
        self.closeCode = closeCode
        self.count = count
        self.detail = detail
    }
}

/// Durability level: SQLite's `synchronous` setting in WAL mode.
public enum SyncLevel: String, Sendable, CaseIterable {
    /// `synchronous=NORMAL`: "a transaction committed in WAL mode with synchronous=NORMAL might
    /// roll back following a power loss or system crash", but survives an application crash
    /// (sqlite.org/pragma.html#pragma_synchronous).
    case normal
    /// `synchronous=FULL`: WAL is synced at every commit, so committed windows survive power loss.
    case full
}

/// The session row: what was recorded, how, and by which build.
public struct SessionInfo: Sendable, Hashable {
    public var toolVersion: String
    /// Endpoint without userinfo, query or fragment.
    public var url: String
    /// The first subscription request, as sent.
    public var subscription: String?
    /// Unix nanoseconds at session start.
    public var startedNs: Int64
    public var sync: SyncLevel
    public var commitMs: Int64
    /// JSON describing injected faults (seed, schedule, source), when any.
    public var chaos: String?

    public init(
        toolVersion: String,
        url: String,
        subscription: String? = nil,
        startedNs: Int64,
        sync: SyncLevel = .normal,
        commitMs: Int64 = 50,
        chaos: String? = nil
    ) {
        self.toolVersion = toolVersion
        self.url = SessionInfo.redacted(url)
        self.subscription = subscription
        self.startedNs = startedNs
        self.sync = sync
        self.commitMs = commitMs
        self.chaos = chaos
    }

    /// Strips userinfo, query and fragment from a URL so no credential enters the tape.
    public static func redacted(_ url: String) -> String {
        var s = Substring(url)
        if let cut = s.firstIndex(where: { $0 == "?" || $0 == "#" }) { s = s[..<cut] }
        if let scheme = s.range(of: "://") {
            let rest = s[scheme.upperBound...]
            let hostEnd = rest.firstIndex(of: "/") ?? rest.endIndex
            if let at = rest[..<hostEnd].lastIndex(of: "@") {
                return String(s[..<scheme.upperBound]) + String(rest[rest.index(after: at)...])
            }
        }
        return String(s)
    }
}

/// A frame read back from a tape, with its extracted facts.
public struct TapeFrame: Sendable, Hashable {
    public var record: FrameRecord
    /// Facts extracted at record time (empty for outbound and control frames).
    public var facts: FrameFacts

    public init(record: FrameRecord, facts: FrameFacts) {
        self.record = record
        self.facts = facts
    }
}

/// One entry of a tape in session order: frames and lifecycle events interleaved.
public enum TapeEntry: Sendable, Hashable {
    case frame(TapeFrame)
    case event(LifecycleRecord)
}
