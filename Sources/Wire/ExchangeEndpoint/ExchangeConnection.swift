import NIOCore
import NIOWebSocket
import Upbit

/// One exchange connection's three tasks and how they end.
///
/// - requests: reads client messages, answers them and replaces the subscription;
/// - pump: takes the source's events into the bounded outbox (waits for the client only when the
///   source asks for it, ``MarketSource/waitsForSlowClients``);
/// - writer: writes queued frames in order (honouring chaos due times) and reports each;
/// - and a watch on the outbox that ends the connection on an overflow, whichever task caused it
///   (the reader keeps reading meanwhile, so that the client's close answer is still seen).
///
/// The first task to finish decides the ending; a graceful one drains the queue, sends the close
/// frame and waits for the client's answer, all within ``UpbitExchangeHandler/Options/closeTimeout``.
struct ExchangeConnection: Sendable {
    enum Outcome: Sendable, Equatable {
        case done
        case abort(String)
    }

    private enum Exit: Sendable {
        case clientGone
        case disconnect(code: UInt16, reason: String, abrupt: Bool)
        /// The outbox refused a frame: too many market frames or too many bytes waiting.
        case overflow(OutboxOverflow)
        /// The overflow watch ended without one.
        case noOverflow
        case sourceEnded
        case writeFailed
        case drained
        case closeSent
        case timeout
    }

    let id: Int
    let epoch: Int
    let request: UpgradeRequest
    let source: any MarketSource
    let options: UpbitExchangeHandler.Options
    let counters: ExchangeCounters
    let outbound: WebSocketWriter
    let outbox: ConnectionOutbox

    func run(inbound: WebSocketInbound, events: AsyncStream<ExchangeEvent>) async -> Outcome {
        await withTaskGroup(of: Exit.self) { group in
            group.addTask { await self.readRequests(inbound) }
            group.addTask { await self.pump(events) }
            group.addTask { await self.writeFrames() }
            group.addTask { await self.outbox.overflowed().map(Exit.overflow) ?? .noOverflow }
            var closing: (code: UInt16, reason: String)?
            var closeStarted = false
            /// An abrupt disconnect from a source that waits for slow clients: what was queued
            /// before it is written first (that source sets the pace, so how much is queued is
            /// an accident of scheduling), then TCP is dropped without a close frame.
            var abortWhenDrained = false
            func startClose(_ code: UInt16, _ reason: String) {
                guard !closeStarted else { return }
                closeStarted = true
                group.addTask {
                    try? await self.outbound.close(code: code, reason: reason)
                    return .closeSent
                }
            }
            func beginClosing(_ code: UInt16, _ reason: String, drain: Bool, deadline: Bool = true) {
                guard closing == nil else { return }
                closing = (code, reason)
                let timeout = self.options.closeTimeout.nanoseconds
                if deadline {
                    group.addTask {
                        try? await Task.sleep(nanoseconds: UInt64(max(0, timeout)))
                        return .timeout
                    }
                }
                if drain {
                    self.outbox.drain()
                } else {
                    self.outbox.finish()
                    startClose(code, reason)
                }
            }
            defer { group.cancelAll() }
            while let exit = await group.next() {
                switch exit {
                case .clientGone:
                    self.outbox.finish()
                    return .done
                case .writeFailed:
                    // After our close frame, a late data write fails by design; before it, the
                    // connection is broken.
                    if closing == nil {
                        self.outbox.finish()
                        return .abort("write failed")
                    }
                case .disconnect(let code, let reason, let abrupt):
                    if abrupt && self.source.waitsForSlowClients && closing == nil {
                        // No close deadline: a client that reads slowly gets all of it; one that
                        // stops reading is closed by the server's unwritable deadline.
                        abortWhenDrained = true
                        beginClosing(code, reason, drain: true, deadline: false)
                    } else if abrupt {
                        self.outbox.finish()
                        return .abort("disconnect")
                    } else {
                        beginClosing(code, reason, drain: true)
                    }
                case .sourceEnded:
                    beginClosing(1001, "going away", drain: true)
                case .overflow(let overflow):
                    if closing == nil { self.counters.countOverBudget() }
                    beginClosing(1008, overflow.reason, drain: false)
                case .drained:
                    if abortWhenDrained {
                        self.outbox.finish()
                        return .abort("disconnect")
                    }
                    if let closing { startClose(closing.code, closing.reason) }
                case .closeSent, .noOverflow:
                    continue  // the client's answer ends `readRequests` (.clientGone)
                case .timeout:
                    self.outbox.finish()
                    return .abort("close timed out")
                }
            }
            return .done
        }
    }

    // MARK: - The three tasks

    private func readRequests(_ inbound: WebSocketInbound) async -> Exit {
        var limiter = self.options.messageLimiter
        do {
            for try await message in inbound where message.opcode == .text || message.opcode == .binary {
                guard limiter.tryAcquire(now: self.options.clock.monotonicNanos()) else {
                    // Counted like every other reply: a client that floods and never reads
                    // fills its budget and is closed (the overflow watch ends the connection),
                    // instead of growing the server.
                    self.counters.countMessageLimited()
                    _ = self.outbox.reply(.reply(ExchangePayloads.tooManyRequests, type: "error"))
                    continue
                }
                let bytes = Array(message.payload.readableBytesView)
                if bytes.elementsEqual("PING".utf8) {
                    _ = self.outbox.reply(.reply(ExchangePayloads.statusUp, type: "status"))
                    continue
                }
                _ = await self.handle(request: bytes)
            }
        } catch {
            // A broken or oversize inbound ends the connection like a close.
        }
        return .clientGone
    }

    private func pump(_ events: AsyncStream<ExchangeEvent>) async -> Exit {
        let waits = self.source.waitsForSlowClients
        for await event in events {
            switch event {
            case .message(let message):
                if waits { await self.outbox.waitForRoom() }
                if let overflow = self.outbox.offer(message, now: self.options.clock.monotonicNanos()) {
                    return .overflow(overflow)
                }
            case .disconnectAll(let code, let reason, let abrupt):
                return .disconnect(code: code, reason: reason, abrupt: abrupt)
            case .expirePrivate:
                guard self.request.path == self.options.privatePath else { continue }
                self.counters.countExpired()
                _ = self.outbox.reply(
                    .reply(ExchangePayloads.invalidAuth("the access token has expired"), type: "error")
                )
                return .disconnect(code: 1008, reason: "token expired", abrupt: false)
            }
        }
        return .sourceEnded
    }

    /// Frames written together (one flush) when that many are already queued.
    private static let batchLimit = 64

    private func writeFrames() async -> Exit {
        var index = 0
        while let batch = await self.outbox.nextBatch(limit: Self.batchLimit) {
            if let due = batch.first?.dueNanos, due > 0 {
                let wait = due - self.options.clock.monotonicNanos()
                if wait > 0 {
                    do { try await Task.sleep(nanoseconds: UInt64(wait)) } catch { return .drained }
                }
            }
            do {
                if batch.count == 1 {
                    try await self.outbound.send(binary: ByteBuffer(bytes: batch[0].payload))
                } else {
                    try await self.outbound.send(binaries: batch.map { ByteBuffer(bytes: $0.payload) })
                }
            } catch {
                return .writeFailed
            }
            self.outbox.written(bytes: batch.reduce(0) { $0 + $1.payload.count })
            for frame in batch {
                index += 1
                self.counters.sent()
                self.options.onSent?(
                    SentFrame(
                        connection: self.id,
                        epoch: self.epoch,
                        index: index,
                        type: frame.type,
                        code: frame.code,
                        streamType: frame.streamType,
                        payload: frame.payload,
                        origin: frame.origin
                    )
                )
            }
        }
        return .drained
    }

    // MARK: - Requests

    /// Answers one request; the outbox overflow, if queuing its answer overflowed.
    private func handle(request bytes: [UInt8]) async -> OutboxOverflow? {
        let request: UpbitSubscription
        do {
            request = try UpbitSubscription.parse(bytes)
        } catch {
            return self.outbox.reply(.reply(error.errorPayload(), type: "error"))
        }
        if request.needsPrivateEndpoint {
            guard self.request.path == self.options.privatePath else {
                let message = "myOrder and myAsset need the private endpoint \(self.options.privatePath)"
                return self.outbox.reply(.reply(ExchangePayloads.invalidAuth(message), type: "error"))
            }
            guard self.hasBearerToken else {
                let message = "the private endpoint needs an Authorization: Bearer header"
                return self.outbox.reply(.reply(ExchangePayloads.invalidAuth(message), type: "error"))
            }
        }
        let current = self.outbox.subscription
        if !request.types.isEmpty {
            let subscription = ActiveSubscription(request, format: request.format ?? .default)
            var snapshots: [OutboundFrame] = []
            for wanted in subscription.snapshots {
                guard let message = await self.source.snapshot(type: wanted.type, code: wanted.code) else { continue }
                let payload = ConnectionOutbox.prepare(message, depth: wanted.depth, for: subscription, snapshot: true)
                snapshots.append(
                    OutboundFrame(
                        payload: payload,
                        type: wanted.type,
                        code: wanted.code,
                        streamType: .snapshot,
                        origin: message.origin
                    )
                )
            }
            self.options.onRequest?(self.id, request)
            let now = self.options.clock.monotonicNanos()
            if let overflow = self.outbox.install(subscription, snapshots: snapshots, now: now) { return overflow }
            await self.source.subscribed()
        } else if let format = request.format, let current {
            // A LIST_SUBSCRIPTIONS request with a format switches the running streams to it.
            _ = self.outbox.install(ActiveSubscription(current.request, format: format), snapshots: [], now: 0)
        }
        if request.listSubscriptions {
            let now = self.outbox.subscription
            let keys = request.format?.keys ?? now?.keys ?? .default
            let reply = UpbitSubscription.listReply(
                ticket: request.ticket,
                current: now?.request.types ?? [],
                keys: keys
            )
            return self.outbox.reply(.reply(reply, type: "list"))
        }
        return nil
    }

    private var hasBearerToken: Bool {
        guard let value = self.request.headers["Authorization"].first else { return false }
        return value.hasPrefix("Bearer ") && value.count > "Bearer ".count
    }
}
