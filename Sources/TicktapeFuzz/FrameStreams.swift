import NIOCore
import NIOEmbedded
import NIOWebSocket
import Primitives

@testable import Wire

/// The WebSocket frame path: byte streams from a client into the server's decoder
/// (`WebSocketFrameDecoder`), `FrameStamper` and `MessageAssemblyHandler` on an `EmbeddedChannel`,
/// checked against a small independent decoder of RFC 6455 frames written here.
///
/// Properties: never a trap; the messages that come out and the close code sent (1009 for a frame
/// or message beyond the limit, 1002 for other protocol errors) are the reference decoder's; after
/// a close the channel is closed and the error was raised; and no message exceeds the limit.
/// Together these bound what a peer can make the server hold: a frame or message declared beyond
/// the limit fails as soon as its length is known, before its bytes are buffered.
enum FrameStreams {
    /// The server's `maxMessageSize` (also its `maxFrameSize`) in these runs: small, so random
    /// lengths land on both sides of it.
    static let limit = 1_000

    /// One frame to encode; `lengthForm` 0 is the minimal length encoding, 1 forces 16 bits, 2
    /// forces 64 bits; `declared` overrides the length field (for lengths beyond the data).
    struct Frame {
        var fin = true
        var rsv: UInt8 = 0
        var opcode: UInt8
        var mask: [UInt8]? = nil
        var payload: [UInt8] = []
        var lengthForm = 0
        var declared: UInt64? = nil
    }

    static func encode(_ f: Frame, into out: inout [UInt8]) {
        out.append((f.fin ? 0x80 : 0) | (f.rsv & 7) << 4 | (f.opcode & 0x0F))
        let length = f.declared ?? UInt64(f.payload.count)
        let maskBit: UInt8 = f.mask == nil ? 0 : 0x80
        if length < 126 && f.lengthForm == 0 {
            out.append(maskBit | UInt8(length))
        } else if length <= 0xFFFF && f.lengthForm < 2 {
            out.append(maskBit | 126)
            out += [UInt8(length >> 8), UInt8(length & 0xFF)]
        } else {
            out.append(maskBit | 127)
            out += (0..<8).reversed().map { UInt8(truncatingIfNeeded: length >> (8 * UInt64($0))) }
        }
        if let mask = f.mask {
            out += mask
            out += f.payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
        } else {
            out += f.payload
        }
    }

    /// A stream of 1…8 frames as a client sends them: text and binary messages, some fragmented
    /// with control frames in between, masked or not, with odd length encodings, payload sizes at
    /// the limit, reserved opcodes and RSV bits — and now and then a protocol error.
    static func generate(_ rng: inout SplitMix64) -> [UInt8] {
        func size(_ rng: inout SplitMix64) -> Int {
            switch rng.below(10) {
            case 0: return [limit - 1, limit, limit + 1, 125, 126, 65_535][Int(rng.below(6))]
            case 1: return Int(rng.below(UInt64(limit)))
            default: return Int(rng.below(40))
            }
        }
        func frame(_ opcode: UInt8, fin: Bool, _ rng: inout SplitMix64) -> Frame {
            let control = opcode & 8 != 0
            var f = Frame(fin: fin, opcode: opcode)
            let n = control ? Int(rng.below(rng.below(8) == 0 ? 130 : 20)) : size(&rng)
            f.payload = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            if rng.below(8) != 0 { f.mask = (0..<4).map { _ in UInt8(truncatingIfNeeded: rng.next()) } }
            if rng.below(10) == 0 { f.lengthForm = 1 + Int(rng.below(2)) }
            if rng.below(20) == 0 { f.rsv = UInt8(rng.below(8)) }
            return f
        }
        var out: [UInt8] = []
        for _ in 0..<(1 + rng.below(8)) {
            switch rng.below(12) {
            case 0...3:
                encode(frame(1 + UInt8(rng.below(2)), fin: true, &rng), into: &out)
            case 4...6:
                // A fragmented message, maybe with control frames in the middle.
                encode(frame(1 + UInt8(rng.below(2)), fin: false, &rng), into: &out)
                let more = Int(rng.below(4))
                for k in 0...more {
                    if rng.below(3) == 0 { encode(frame(9 + UInt8(rng.below(2)), fin: true, &rng), into: &out) }
                    encode(frame(0, fin: k == more, &rng), into: &out)
                }
            case 7, 8:
                encode(frame([8, 9, 10][Int(rng.below(3))], fin: true, &rng), into: &out)
            case 9:
                // Reserved opcodes: data (3…7) and control (11…15).
                encode(frame([3, 7, 11, 15][Int(rng.below(4))], fin: true, &rng), into: &out)
            case 10:
                // A protocol error: a fragmented control frame, a lone continuation, or a new data
                // frame inside an unfinished message.
                switch rng.below(3) {
                case 0: encode(frame(9, fin: false, &rng), into: &out)
                case 1: encode(frame(0, fin: true, &rng), into: &out)
                default:
                    encode(frame(1, fin: false, &rng), into: &out)
                    encode(frame(2, fin: true, &rng), into: &out)
                }
            default:
                // A declared length far beyond the data (and the limit).
                var f = frame(2, fin: true, &rng)
                f.declared = [UInt64(limit) + 1, 1 << 32, 1 << 63, UInt64.max, UInt64(Int.max)][Int(rng.below(5))]
                f.lengthForm = 2
                encode(f, into: &out)
            }
        }
        return out
    }

    static func seeds() -> [[UInt8]] {
        var rng = SplitMix64(seed: 0xF4A3E)
        return (0..<200).map { _ in generate(&rng) }
    }

    /// A message as compared: raw opcode, packed RSV bits, unmasked payload, fragment count.
    struct Message: Equatable {
        var opcode: UInt8
        var rsv: UInt8
        var payload: [UInt8]
        var fragments: Int
    }

    /// What a stream must produce: its messages, and the close code sent (nil: no protocol error).
    struct Outcome: Equatable {
        var messages: [Message] = []
        var closeCode: UInt16? = nil
    }

    /// The reference: RFC 6455 framing with the server's checks, in the order the stream reveals them.
    static func reference(_ bytes: [UInt8]) -> Outcome {
        var outcome = Outcome()
        var partial: Message?
        var i = 0
        func fail(_ code: UInt16) -> Outcome {
            outcome.closeCode = code
            return outcome
        }
        while i + 2 <= bytes.count {
            let b0 = bytes[i]
            let b1 = bytes[i + 1]
            var k = i + 2
            var length = UInt64(b1 & 0x7F)
            if length == 126 {
                guard k + 2 <= bytes.count else { break }
                length = UInt64(bytes[k]) << 8 | UInt64(bytes[k + 1])
                k += 2
            } else if length == 127 {
                guard k + 8 <= bytes.count else { break }
                length = bytes[k..<k + 8].reduce(0) { $0 << 8 | UInt64($1) }
                k += 8
            }
            let fin = b0 & 0x80 != 0
            let opcode = b0 & 0x0F
            let control = opcode & 0x08 != 0
            // The length is known: the decoder validates the frame before reading its body.
            if length > UInt64(limit) { return fail(1009) }
            if control && !fin { return fail(1002) }
            if control && length > 125 { return fail(1002) }
            var mask: [UInt8]?
            if b1 & 0x80 != 0 {
                guard k + 4 <= bytes.count else { break }
                mask = Array(bytes[k..<k + 4])
                k += 4
            }
            let n = Int(length)
            guard k + n <= bytes.count else { break }
            var payload = Array(bytes[k..<k + n])
            if let mask { payload = payload.enumerated().map { $0.element ^ mask[$0.offset % 4] } }
            i = k + n
            let rsv = b0 >> 4 & 7
            if control {
                outcome.messages.append(Message(opcode: opcode, rsv: rsv, payload: payload, fragments: 1))
            } else if opcode == 0 {
                guard var message = partial else { return fail(1002) }
                guard message.payload.count + n <= limit else { return fail(1009) }
                message.payload += payload
                message.fragments += 1
                partial = fin ? nil : message
                if fin { outcome.messages.append(message) }
            } else {
                guard partial == nil else { return fail(1002) }
                let message = Message(opcode: opcode, rsv: rsv, payload: payload, fragments: 1)
                if fin { outcome.messages.append(message) } else { partial = message }
            }
        }
        return outcome
    }

    /// Feeds `bytes` to the server's frame path in chunks (sizes drawn from a hash of the input,
    /// so a run depends on the input alone) and compares with the reference.
    static func check(_ bytes: [UInt8]) -> Verdict {
        let channel = EmbeddedChannel()
        let clock = WireClock(monotonicNanos: { 1 }, wallNanos: { 2 })
        do {
            try channel.pipeline.syncOperations.addHandlers([
                ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: limit)),
                FrameStamper(clock: clock),
                MessageAssemblyHandler(maxMessageSize: limit, isClient: false),
            ])
        } catch {
            return .finding("pipeline setup failed: \(error)")
        }
        var rng = SplitMix64(seed: TapeHash64.hash(bytes))
        var raised: (any Error)?
        var k = 0
        while k < bytes.count {
            let n = rng.below(4) == 0 ? bytes.count - k : 1 + Int(rng.below(64))
            let end = min(bytes.count, k + n)
            do {
                try channel.writeInbound(ByteBuffer(bytes: bytes[k..<end]))
            } catch {
                raised = error
                break
            }
            k = end
        }
        var got = Outcome()
        do {
            while let message = try channel.readInbound(as: WebSocketMessage.self) {
                if message.payload.readableBytes > limit { return .finding("a message beyond the limit came out") }
                got.messages.append(
                    Message(
                        opcode: message.rawOpcode,
                        rsv: message.rsv,
                        payload: Array(message.payload.readableBytesView),
                        fragments: message.fragmentCount
                    )
                )
            }
            var closes = 0
            while let frame = try channel.readOutbound(as: WebSocketFrame.self) {
                guard frame.opcode == .connectionClose else { return .finding("an outbound \(frame.opcode) frame") }
                closes += 1
                got.closeCode = frame.data.getInteger(at: frame.data.readerIndex, as: UInt16.self)
            }
            if closes > 1 { return .finding("\(closes) close frames sent") }
        } catch {
            return .finding("reading the channel failed: \(error)")
        }
        let active = channel.isActive
        _ = try? channel.finish()
        let want = reference(bytes)
        if got != want {
            return .finding("outcome differs from the reference: got \(summary(got)), want \(summary(want))")
        }
        if got.closeCode != nil && (raised == nil || active) {
            return .finding(
                "close sent but the error was not raised (\(raised == nil)) or the channel stayed open (\(active))"
            )
        }
        if got.closeCode == nil, let raised {
            return .finding("an error without a close frame: \(raised)")
        }
        return got.closeCode == nil ? .accepted : .rejected
    }

    static func summary(_ o: Outcome) -> String {
        let messages = o.messages.map { "op\($0.opcode)/rsv\($0.rsv)/\($0.payload.count)B/\($0.fragments)f" }
        return "[\(messages.joined(separator: " "))] close=\(o.closeCode.map(String.init) ?? "none")"
    }
}
