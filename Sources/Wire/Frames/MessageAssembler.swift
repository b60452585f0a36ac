import NIOCore
import NIOWebSocket

/// Reassembles fragmented data messages (RFC 6455 §5.4) while letting control frames through.
///
/// "Control frames MAY be injected in the middle of a fragmented message": each is emitted as
/// its own message at once, so messages come out in the order in which they *completed*. A data
/// message is stamped with the arrival of its final fragment. Unlike NIO's
/// `NIOWebSocketFrameAggregator`, the RSV bits and the fragment count are kept for the tape.
struct MessageAssembler {
    private struct Partial {
        var opcode: WebSocketOpcode
        var rsv: UInt8
        var payload: ByteBuffer
        var fragments: Int
    }

    /// Largest reassembled payload accepted.
    let maxMessageSize: Int
    private var partial: Partial?

    init(maxMessageSize: Int) {
        self.maxMessageSize = maxMessageSize
    }

    /// Feeds one frame; returns a message when one completes.
    mutating func push(_ stamped: StampedFrame) throws(WebSocketMessageError) -> WebSocketMessage? {
        let frame = stamped.frame
        if frame.opcode.isControlOpcode {
            // The decoder already rejects fragmented or oversized (> 125 bytes) control frames.
            return self.message(frame.opcode, frame.packedRSV, frame.unmaskedData, 1, stamped)
        }
        if frame.opcode == .continuation {
            guard var partial = self.partial else { throw .unexpectedContinuation }
            self.partial = nil
            var data = frame.unmaskedData
            guard partial.payload.readableBytes + data.readableBytes <= self.maxMessageSize else {
                throw .messageTooLarge(limit: self.maxMessageSize)
            }
            partial.payload.writeBuffer(&data)
            partial.fragments += 1
            guard frame.fin else {
                self.partial = partial
                return nil
            }
            return self.message(partial.opcode, partial.rsv, partial.payload, partial.fragments, stamped)
        }
        guard self.partial == nil else { throw .unfinishedFragmentedMessage }
        let data = frame.unmaskedData
        guard data.readableBytes <= self.maxMessageSize else { throw .messageTooLarge(limit: self.maxMessageSize) }
        if frame.fin {
            return self.message(frame.opcode, frame.packedRSV, data, 1, stamped)
        }
        // Copy the first fragment into a buffer of its own: the continuation frames are appended to it.
        var payload = ByteBufferAllocator().buffer(capacity: data.readableBytes * 2)
        payload.writeImmutableBuffer(data)
        self.partial = Partial(opcode: frame.opcode, rsv: frame.packedRSV, payload: payload, fragments: 1)
        return nil
    }

    private func message(
        _ opcode: WebSocketOpcode,
        _ rsv: UInt8,
        _ payload: ByteBuffer,
        _ fragments: Int,
        _ stamped: StampedFrame
    ) -> WebSocketMessage {
        WebSocketMessage(
            opcode: opcode,
            rsv: rsv,
            payload: payload,
            fragmentCount: fragments,
            wallNanos: stamped.wallNanos,
            monotonicNanos: stamped.monotonicNanos
        )
    }
}
