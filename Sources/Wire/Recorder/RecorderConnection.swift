import NIOCore
import Primitives

/// One connection (one epoch) of a ``Recorder``: a reader task and a timer task.
///
/// The reader records every inbound message, then lets ``WebSocketInbound`` answer pings and
/// closes ("record first, then reply"). The timer task wakes at the state machine's next
/// deadline for keepalive pings and the stall watchdog, or at once on stop.
struct RecorderConnection: Sendable {
    struct End: Sendable {
        var cause: DisconnectCause
        var closeCode: UInt16?
        var reason: String
    }

    /// A sink failure travelling through the connection code, told apart from network errors.
    private struct SinkFailure: Error {
        var underlying: any Error
    }

    let loop: RecorderLoop
    let epoch: Int

    private var configuration: RecorderConfiguration { self.loop.configuration }
    private var clock: WireClock { self.loop.configuration.clock }

    func run(_ connection: WebSocketClientConnection, first: RecorderStateMachine.Action) async throws -> End {
        do {
            return try await connection.executeThenClose { inbound, plainWriter in
                let writer = plainWriter.observed { message in
                    do {
                        try await self.loop.sink.record(message, direction: .outbound, epoch: self.epoch)
                    } catch {
                        throw SinkFailure(underlying: error)
                    }
                }
                guard first != .closeForStop else {
                    try? await writer.close(code: 1000)
                    return End(cause: .stopped, closeCode: nil, reason: "stopped while connecting")
                }
                let limiter = Locked(self.configuration.messageLimit)
                do {
                    try await self.send(limiter: limiter) {
                        try await writer.send(text: self.configuration.subscription)
                    }
                } catch let failure as SinkFailure {
                    throw failure
                } catch {
                    return End(cause: .connectionLost, closeCode: nil, reason: String(describing: error))
                }
                try await self.loop.sink.lifecycle(self.loop.event(.subscribed(epoch: self.epoch)))
                return try await self.readAndTick(inbound.replying(through: writer), writer: writer, limiter: limiter)
            }
        } catch let failure as SinkFailure {
            throw failure.underlying
        }
    }

    private enum TaskEnd: Sendable {
        case inboundEnded(close: WebSocketMessage?, error: String?)
        case stalled(silentForNanos: Int64)
        case stopTimedOut
        case cancelled
    }

    private func readAndTick(
        _ inbound: WebSocketInbound,
        writer: WebSocketWriter,
        limiter: Locked<RateLimiter>
    ) async throws -> End {
        try await withThrowingTaskGroup(of: TaskEnd.self) { group in
            group.addTask { try await self.read(inbound) }
            group.addTask { try await self.tick(writer: writer, limiter: limiter) }
            var ends: [TaskEnd] = []
            if let first = try await group.next() { ends.append(first) }
            group.cancelAll()
            while let next = try await group.next() { ends.append(next) }
            return self.summarise(ends)
        }
    }

    private func read(_ inbound: WebSocketInbound) async throws -> TaskEnd {
        var close: WebSocketMessage?
        do {
            for try await message in inbound {
                self.loop.machine.withLock { $0.inboundReceived(now: message.monotonicNanos) }
                do {
                    try await self.loop.sink.record(message, direction: .inbound, epoch: self.epoch)
                } catch {
                    throw SinkFailure(underlying: error)
                }
                if message.opcode == .connectionClose { close = message }
            }
        } catch let failure as SinkFailure {
            throw failure
        } catch {
            if Task.isCancelled { return .cancelled }
            return .inboundEnded(close: close, error: String(describing: error))
        }
        return .inboundEnded(close: close, error: nil)
    }

    private func tick(writer: WebSocketWriter, limiter: Locked<RateLimiter>) async throws -> TaskEnd {
        while !Task.isCancelled {
            let now = self.clock.monotonicNanos()
            let deadline = self.loop.machine.withLock { $0.nextDeadline } ?? now + 1_000_000_000
            if await self.loop.stop.sleep(nanos: deadline - now) {
                _ = self.loop.machine.withLock { $0.requestStop() }
                do {
                    try await writer.close(code: 1000)
                } catch let failure as SinkFailure {
                    throw failure
                } catch {
                    return .stopTimedOut  // the connection is already gone
                }
                try? await Task.sleep(nanoseconds: UInt64(self.configuration.closeTimeoutNanos))
                return .stopTimedOut
            }
            if Task.isCancelled { break }
            switch self.loop.machine.withLock({ $0.tick(now: self.clock.monotonicNanos()) }) {
            case .sendPing:
                do {
                    try await self.send(limiter: limiter) {
                        switch self.configuration.keepalive {
                        case .pingFrame: try await writer.ping()
                        case .pingText: try await writer.send(text: "PING")
                        }
                    }
                } catch let failure as SinkFailure {
                    throw failure
                } catch {
                    continue  // a dead connection shows up in the reader
                }
            case .closeStalled(let silent):
                return .stalled(silentForNanos: silent)
            default:
                continue
            }
        }
        return .cancelled
    }

    /// Waits for a token of the per-connection message limit, then sends.
    private func send(limiter: Locked<RateLimiter>, _ body: () async throws -> Void) async throws {
        while true {
            let delay = limiter.withLock { limiter -> Int64 in
                let now = self.clock.monotonicNanos()
                return limiter.tryAcquire(now: now) ? 0 : limiter.delayUntilAvailable(now: now)
            }
            if delay == 0 { break }
            try await Task.sleep(nanoseconds: UInt64(delay))
        }
        try await body()
    }

    private func summarise(_ ends: [TaskEnd]) -> End {
        var close: WebSocketMessage?
        var error: String?
        var stalled: Int64?
        for end in ends {
            switch end {
            case .inboundEnded(let message, let failure):
                close = close ?? message
                error = error ?? failure
            case .stalled(let silent): stalled = silent
            case .stopTimedOut, .cancelled: break
            }
        }
        let code = close?.closeCode
        let closeReason = close?.closeReason ?? ""
        if self.loop.stop.isFired {
            return End(cause: .stopped, closeCode: code, reason: close == nil ? "no close reply" : closeReason)
        }
        if let stalled {
            return End(cause: .stalled, closeCode: nil, reason: "no data for \(stalled / 1_000_000) ms")
        }
        if close != nil {
            return End(cause: .closedByPeer, closeCode: code, reason: closeReason)
        }
        return End(cause: .connectionLost, closeCode: nil, reason: error ?? "connection closed without a close frame")
    }
}
