import NIOCore
import NIOWebSocket
import Primitives

/// Closes a server connection whose socket stays unwritable (the client stopped reading) for
/// longer than a deadline, so that a stuck client can neither hold memory nor hold back a
/// source that waits for its clients.
///
/// A writability change starts or cancels the timer. When it fires the watchdog marks the
/// connection's close as sent (the handler's ``WebSocketWriter`` then refuses data frames),
/// queues close 1008 behind what the socket already holds, drops every later write, and ends the
/// inbound stream with ``WebSocketServerError/unwritable`` so that the handler stops at once. The
/// channel itself stays open for at most `grace` so that a client that resumes reading still
/// gets the 1008; a `close` from the application waits for that too.
final class UnwritableWatchdog: ChannelDuplexHandler {
    typealias InboundIn = WebSocketMessage
    typealias InboundOut = WebSocketMessage
    typealias OutboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let timeout: TimeAmount
    private let grace: TimeAmount
    private let closeSent: Locked<Bool>
    private let counters: WebSocketServerCounters
    private var timer: Scheduled<Void>?
    private var fired = false
    private var closing = false
    private var pendingClose: [EventLoopPromise<Void>] = []

    init(timeout: TimeAmount, grace: TimeAmount, closeSent: Locked<Bool>, counters: WebSocketServerCounters) {
        self.timeout = timeout
        self.grace = grace
        self.closeSent = closeSent
        self.counters = counters
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive, !context.channel.isWritable { self.arm(context: context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.timer?.cancel()
        self.timer = nil
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if !self.fired {
            if context.channel.isWritable {
                self.timer?.cancel()
                self.timer = nil
            } else {
                self.arm(context: context)
            }
        }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.timer?.cancel()
        self.timer = nil
        context.fireChannelInactive()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard !self.fired else {
            promise?.fail(WebSocketServerError.unwritable)
            return
        }
        context.write(data, promise: promise)
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        guard self.fired, !self.closing, mode == .all else {
            context.close(mode: mode, promise: promise)
            return
        }
        if let promise { self.pendingClose.append(promise) }
    }

    private func arm(context: ChannelHandlerContext) {
        guard self.timer == nil else { return }
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        self.timer = context.eventLoop.scheduleTask(in: self.timeout) {
            let (handler, context) = loopBound.value
            handler.fire(context: context)
        }
    }

    private func fire(context: ChannelHandlerContext) {
        self.timer = nil
        guard !self.fired, context.channel.isActive else { return }
        let first = self.closeSent.withLock { sent in
            defer { sent = true }
            return !sent
        }
        self.fired = true
        self.counters.unwritableClosed()
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        if first {
            var payload = context.channel.allocator.buffer(capacity: 16)
            payload.writeInteger(UInt16(1008))
            payload.writeString("client not reading")
            let close = WebSocketFrame(fin: true, opcode: .connectionClose, data: payload)
            context.writeAndFlush(Self.wrapOutboundOut(close)).whenComplete { _ in
                let (handler, context) = loopBound.value
                handler.closeNow(context: context)
            }
        }
        context.eventLoop.scheduleTask(in: self.grace) {
            let (handler, context) = loopBound.value
            handler.closeNow(context: context)
        }
        context.fireErrorCaught(WebSocketServerError.unwritable)
    }

    private func closeNow(context: ChannelHandlerContext) {
        guard !self.closing else { return }
        self.closing = true
        let promises = self.pendingClose
        self.pendingClose = []
        let closed = context.eventLoop.makePromise(of: Void.self)
        context.close(mode: .all, promise: closed)
        closed.futureResult.whenComplete { result in
            for promise in promises { promise.completeWith(result) }
        }
    }
}

@available(*, unavailable)
extension UnwritableWatchdog: Sendable {}
