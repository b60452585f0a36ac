import Exchange
import NIOCore
import Primitives
import Rules
import Upbit

/// A local client of the relay, speaking Upbit's WebSocket protocol: one relay consumer per
/// connection.
///
/// - A request must stay inside the upstream subscription: a type or code the relay does not
///   receive gets Upbit's `INVALID_PARAM` error naming it, and changes nothing. A valid request
///   replaces the connection's subscription and format (as on Upbit): its SNAPSHOTs come from
///   the relay's applied state, then the REALTIME events the rules accept.
/// - Text `PING` → `{"status":"UP"}`; bad requests get Upbit's errors (`NO_TICKET`, `NO_TYPE`, …).
/// - Client messages are limited to Upbit's 5/s and 100/min per connection.
/// - A slow client only fills its own queue: the consumer's policy drops or coalesces, counted.
struct RelayClientHandler: WebSocketServerHandler {
    let hub: RelayHub
    /// What the relay receives: (type, code) pairs a client may ask for. Code `*`: any.
    let allowed: Set<StreamKey>
    /// Key spelling of the upstream payloads.
    let upstreamKeys: UpbitFormat.Format
    /// Capacity and policy of every client's consumer.
    let clientSpec: ConsumerSpec
    let sentLog: SentLogWriter?
    /// Told about each batch written: the events and the time written (ns on the tape's clock).
    let onWritten: (@Sendable (Int, [MarketEvent], Int64) -> Void)?
    /// How long a client closed at the end of the session gets to read what was written and
    /// answer the close.
    let closeTimeoutNanos: Int64
    let connections = Locked(0)
    /// Connections being served now.
    let active = Locked(0)

    func serve(_ request: UpgradeRequest, inbound: WebSocketInbound, outbound: WebSocketWriter) async throws {
        let number = self.connections.withLock { count -> Int in
            count += 1
            return count
        }
        var spec = self.clientSpec
        spec.name = "client-\(number)"
        let address = request.remoteAddress.map { "\($0)" } ?? "unknown"
        let id: Int
        do {
            // Nothing until its first request (journaled, so the replay opens it the same way).
            let nothing = RelayRequest(realtime: [], snapshots: [])
            id = try self.hub.open(spec, request: nothing, detail: "\(address) \(request.path)")
        } catch {
            try? await outbound.close(code: 1011, reason: "relay stopped")
            return
        }
        self.sentLog?.connection(id, opened: true)
        self.active.withLock { $0 += 1 }
        defer { self.active.withLock { $0 -= 1 } }
        let subscription = Locked<ActiveSubscription?>(nil)
        let why = await withTaskGroup(of: String.self) { group in
            group.addTask { await self.readRequests(inbound, outbound: outbound, id: id, subscription: subscription) }
            group.addTask { await self.writeEvents(outbound, id: id, subscription: subscription) }
            let first = await group.next() ?? "done"
            if first == Self.relayClosed {
                // The session ended: everything was written; a close frame follows it, and the
                // client gets time to read it all and answer before TCP closes.
                try? await outbound.close(code: 1001, reason: "the relay stopped")
                let timeout = UInt64(max(0, self.closeTimeoutNanos))
                group.addTask {
                    try? await Task.sleep(nanoseconds: timeout)
                    return "close timed out"
                }
                _ = await group.next()
            }
            group.cancelAll()
            return first
        }
        self.hub.close(id, detail: why)
        self.sentLog?.connection(id, opened: false)
    }

    private func readRequests(
        _ inbound: WebSocketInbound,
        outbound: WebSocketWriter,
        id: Int,
        subscription: Locked<ActiveSubscription?>
    ) async -> String {
        var limiter = RateLimiter.upbitMessages()
        do {
            for try await message in inbound where message.opcode == .text || message.opcode == .binary {
                let bytes = Array(message.payload.readableBytesView)
                guard limiter.tryAcquire(now: WireClock.system.monotonicNanos()) else {
                    try await outbound.send(binary: ByteBuffer(bytes: ExchangePayloads.tooManyRequests))
                    continue
                }
                if bytes.elementsEqual("PING".utf8) {
                    try await outbound.send(binary: ByteBuffer(bytes: ExchangePayloads.statusUp))
                    continue
                }
                if let error = self.handle(bytes, id: id, subscription: subscription) {
                    try await outbound.send(binary: ByteBuffer(bytes: error))
                }
            }
        } catch {
            return "client gone: \(error)"
        }
        return "client closed"
    }

    /// Applies one request; the error payload to send back when it is refused.
    private func handle(_ bytes: [UInt8], id: Int, subscription: Locked<ActiveSubscription?>) -> [UInt8]? {
        let request: UpbitSubscription
        do {
            request = try UpbitSubscription.parse(bytes)
        } catch {
            return error.errorPayload()
        }
        var realtime: [StreamKey] = []
        var snapshots: [StreamKey] = []
        for type in request.types {
            let codes = type.codes.isEmpty ? [type.type == "myAsset" ? "" : "*"] : type.codes
            for code in codes {
                let key = StreamKey(type: type.type, code: UpbitScanner.stripDepthSuffix(code))
                guard self.allowed.contains(key) || self.allowed.contains(StreamKey(type: key.type, code: "*")) else {
                    let name = key.code.isEmpty || key.code == "*" ? key.type : "\(key.type) \(key.code)"
                    return ExchangePayloads.error(
                        name: "INVALID_PARAM",
                        message: "the relay does not receive \(name): it records only its upstream subscription"
                    )
                }
                if !type.isOnlySnapshot { realtime.append(key) }
            }
        }
        let active = ActiveSubscription(request, format: request.format ?? .default)
        for wanted in active.snapshots { snapshots.append(StreamKey(type: wanted.type, code: wanted.code)) }
        subscription.withLock { $0 = active }
        self.sentLog?.request(id, request)
        do {
            try self.hub.request(
                id,
                RelayRequest(realtime: realtime, snapshots: snapshots),
                detail: String(decoding: bytes.prefix(512), as: UTF8.self)
            )
        } catch {
            return ExchangePayloads.error(name: "INVALID_PARAM", message: "\(error)")
        }
        return nil
    }

    private func writeEvents(
        _ outbound: WebSocketWriter,
        id: Int,
        subscription: Locked<ActiveSubscription?>
    ) async
        -> String
    {
        var index = 0
        while let batch = await self.hub.next(id, max: 64) {
            guard let active = subscription.withLock({ $0 }) else { continue }
            var frames: [ByteBuffer] = []
            frames.reserveCapacity(batch.count)
            var written: [(MarketEvent, [UInt8])] = []
            for event in batch {
                guard let payload = event.payload else { continue }
                let code: String? = event.code.isEmpty ? nil : event.code
                let depth = active.accepts(type: event.type, code: code) ?? nil
                let message = ExchangeMessage(type: event.type, code: code, format: self.upstreamKeys, payload: payload)
                let bytes = ConnectionOutbox.prepare(
                    message,
                    depth: depth,
                    for: active,
                    snapshot: event.streamType == .snapshot
                )
                frames.append(ByteBuffer(bytes: bytes))
                written.append((event, bytes))
            }
            do {
                try await outbound.send(binaries: frames)
            } catch {
                return "write failed: \(error)"
            }
            self.onWritten?(id, batch, self.hub.nowNs())
            if let sentLog = self.sentLog {
                for (event, bytes) in written {
                    index += 1
                    sentLog.sent(
                        SentFrame(
                            connection: id,
                            epoch: Int(event.epoch),
                            index: index,
                            type: event.type,
                            code: event.code.isEmpty ? nil : event.code,
                            streamType: event.streamType,
                            payload: bytes,
                            origin: FrameOrigin(epoch: event.epoch, seq: event.seq)
                        )
                    )
                }
            }
        }
        return Self.relayClosed
    }

    static let relayClosed = "relay closed the consumer"
}
