import NIOCore
import NIOEmbedded
import NIOWebSocket
import Primitives

@testable import Wire

/// A clock that advances by one microsecond per reading, so every stamp is distinct and predictable.
final class SteppingClock: Sendable {
    private let ticks = Locked<Int64>(0)

    var wireClock: WireClock {
        WireClock(
            monotonicNanos: {
                self.ticks.withLock {
                    $0 += 1_000
                    return $0
                }
            },
            wallNanos: { 1_700_000_000_000_000_000 }
        )
    }
}

/// A clock that stands still until the test moves it: a recorder's keepalive and stall
/// deadlines, or a simulator's chaos schedule, then fire exactly when the test says, however
/// slowly the machine runs. (Their timers still wake on real time, and then read this clock.)
final class ManualWireClock: Sendable {
    private let nanos = Locked<Int64>(1_000_000_000)

    var now: Int64 { self.nanos.withLock { $0 } }

    func advance(by delta: Int64) { self.nanos.withLock { $0 += delta } }

    var wireClock: WireClock {
        WireClock(
            monotonicNanos: { self.now },
            wallNanos: { 1_700_000_000_000_000_000 + self.now }
        )
    }
}

/// Encodes frames to wire bytes with NIO's real encoder.
func wireBytes(_ frames: [WebSocketFrame]) throws -> ByteBuffer {
    let channel = EmbeddedChannel(handler: WebSocketFrameEncoder())
    var bytes = ByteBuffer()
    for frame in frames {
        try channel.writeOutbound(frame)
        while var chunk = try channel.readOutbound(as: ByteBuffer.self) { bytes.writeBuffer(&chunk) }
    }
    _ = try channel.finish()
    return bytes
}

func frame(_ opcode: WebSocketOpcode, _ text: String, fin: Bool = true, masked: Bool = true) -> WebSocketFrame {
    WebSocketFrame(fin: fin, opcode: opcode, maskKey: masked ? .random() : nil, data: ByteBuffer(string: text))
}
