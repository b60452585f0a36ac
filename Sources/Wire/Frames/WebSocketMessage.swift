import NIOCore
import NIOWebSocket

/// One WebSocket message: a data message with its fragments reassembled, or one control frame.
///
/// This is the unit the tape records: every inbound data message (fragments reassembled; the
/// row notes the fragment count) and every inbound control frame is a frame row. Payloads are
/// unmasked. Unknown opcodes are kept, never rejected: a recorder must not
/// refuse what came off the wire.
public struct WebSocketMessage: Sendable, Equatable {
    /// The opcode of the first frame (`text`, `binary`, `ping`, `pong`, `connectionClose`, or a
    /// reserved value); never `continuation`.
    public var opcode: WebSocketOpcode
    /// RSV bits of the first frame, `rsv1 << 2 | rsv2 << 1 | rsv3` (no extension is negotiated,
    /// so they are normally 0 and are recorded as received).
    public var rsv: UInt8
    /// The unmasked payload. For a single-frame message this is a slice of the read buffer:
    /// copy it (as the tape writer does) rather than keeping thousands of slices alive.
    public var payload: ByteBuffer
    /// Number of wire frames the message arrived in (1 when not fragmented).
    public var fragmentCount: Int
    /// Wall-clock time (Unix ns) at which the message became complete (its last fragment arrived).
    public var wallNanos: Int64
    /// Monotonic time (ns) at which the message became complete.
    public var monotonicNanos: Int64

    public init(
        opcode: WebSocketOpcode,
        rsv: UInt8 = 0,
        payload: ByteBuffer,
        fragmentCount: Int = 1,
        wallNanos: Int64,
        monotonicNanos: Int64
    ) {
        self.opcode = opcode
        self.rsv = rsv
        self.payload = payload
        self.fragmentCount = fragmentCount
        self.wallNanos = wallNanos
        self.monotonicNanos = monotonicNanos
    }

    /// The 4-bit opcode as on the wire (the tape stores it as is).
    public var rawOpcode: UInt8 { UInt8(webSocketOpcode: self.opcode) }

    /// The payload as a string, for text messages.
    public var text: String? {
        self.opcode == .text ? String(buffer: self.payload) : nil
    }

    /// The status code of a close frame (RFC 6455 §5.5.1: the first two payload bytes), if any.
    public var closeCode: UInt16? {
        guard self.opcode == .connectionClose else { return nil }
        return self.payload.getInteger(at: self.payload.readerIndex, as: UInt16.self)
    }

    /// The UTF-8 reason that follows the code in a close frame.
    public var closeReason: String? {
        guard self.opcode == .connectionClose, self.payload.readableBytes > 2 else { return nil }
        return self.payload.getString(at: self.payload.readerIndex + 2, length: self.payload.readableBytes - 2)
    }
}

extension WebSocketFrame {
    /// RSV bits packed as `rsv1 << 2 | rsv2 << 1 | rsv3`.
    var packedRSV: UInt8 {
        (self.rsv1 ? 4 : 0) | (self.rsv2 ? 2 : 0) | (self.rsv3 ? 1 : 0)
    }
}
