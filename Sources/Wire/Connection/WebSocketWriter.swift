import NIOCore
import NIOWebSocket
import Primitives

/// Sends frames on one WebSocket connection: masked when we are the client (RFC 6455 §5.3:
/// "a client MUST mask all frames that it sends"; NIO does not do it for us), unmasked on the
/// server side.
///
/// Every outbound message goes through here, so an optional `observer` sees each one (stamped)
/// just before it is written: the recorder uses it to put every outbound frame on the tape
/// (direction out), automatic pongs and close replies included. Once a close frame has been sent,
/// further data frames throw ``WebSocketWriterError/closeAlreadySent``.
///
/// A write returns once the channel's event loop has taken the frames, so the writer's
/// writability is up to date before the caller sends again: a caller that sends in a loop waits
/// while the socket is unwritable instead of piling frames up in the channel's buffer.
public struct WebSocketWriter: Sendable {
    /// Called with each outbound message before it is written; an error aborts the write.
    public typealias Observer = @Sendable (WebSocketMessage) async throws -> Void

    private let outbound: NIOAsyncChannelOutboundWriter<WebSocketFrame>
    private let eventLoop: any EventLoop
    private let masks: Bool
    private let clock: WireClock
    private let closeState: Locked<Bool>
    private var observer: Observer?

    /// `closeState` is shared with whatever else may send the connection's close frame (the
    /// server's unwritable watchdog), so that no data frame follows it.
    init(
        outbound: NIOAsyncChannelOutboundWriter<WebSocketFrame>,
        eventLoop: any EventLoop,
        masks: Bool,
        clock: WireClock,
        closeState: Locked<Bool> = Locked(false)
    ) {
        self.outbound = outbound
        self.eventLoop = eventLoop
        self.masks = masks
        self.clock = clock
        self.closeState = closeState
    }

    /// A writer that reports every outbound message to `observer` (shares the close state).
    public func observed(by observer: @escaping Observer) -> WebSocketWriter {
        var copy = self
        copy.observer = observer
        return copy
    }

    /// Whether a close frame has been sent.
    public var closeSent: Bool { self.closeState.withLock { $0 } }

    /// Sends a text message.
    public func send(text: String) async throws {
        try await self.write(fin: true, opcode: .text, data: ByteBuffer(string: text))
    }

    /// Sends a text message given as UTF-8 bytes (e.g. a subscription request).
    public func send(text: ByteBuffer) async throws {
        try await self.write(fin: true, opcode: .text, data: text)
    }

    /// Sends a binary message.
    public func send(binary: ByteBuffer) async throws {
        try await self.write(fin: true, opcode: .binary, data: binary)
    }

    /// Sends binary messages in order, written together with one flush: a server writing a
    /// burst of market data then pays one syscall per burst instead of one per message. The
    /// observer still sees each message.
    public func send(binaries: [ByteBuffer]) async throws {
        guard !self.closeSent else { throw WebSocketWriterError.closeAlreadySent }
        for data in binaries { try await self.observe(opcode: .binary, rsv: 0, data: data) }
        let frames = binaries.map { self.frame(fin: true, opcode: .binary, rsv: 0, data: $0) }
        try await self.outbound.write(contentsOf: frames)
        try await self.settle()
    }

    /// Sends a ping frame (payload at most 125 bytes, RFC 6455 §5.5).
    public func ping(_ payload: ByteBuffer = ByteBuffer()) async throws {
        try await self.write(fin: true, opcode: .ping, data: payload)
    }

    /// Sends a pong frame echoing a ping's payload (RFC 6455 §5.5.3).
    public func pong(_ payload: ByteBuffer) async throws {
        try await self.write(fin: true, opcode: .pong, data: payload)
    }

    /// Sends a close frame with `code` and a UTF-8 `reason`; later calls do nothing.
    public func close(code: UInt16 = 1000, reason: String = "") async throws {
        var payload = ByteBuffer()
        payload.writeInteger(code)
        payload.writeString(reason)
        try await self.sendClose(payload: payload, ignoringWriteErrors: false)
    }

    /// Writes one raw frame, e.g. a fragment (`fin: false`, then `.continuation` frames) or a
    /// recorded frame replayed with its original RSV bits. The observer sees each frame.
    public func write(fin: Bool, opcode: WebSocketOpcode, rsv: UInt8 = 0, data: ByteBuffer) async throws {
        if opcode == .connectionClose {
            try await self.sendClose(payload: data, ignoringWriteErrors: false)
            return
        }
        if self.closeSent {
            guard opcode.isControlOpcode else { throw WebSocketWriterError.closeAlreadySent }
            return  // pings and pongs after our close are pointless, not errors
        }
        try await self.observe(opcode: opcode, rsv: rsv, data: data)
        try await self.outbound.write(self.frame(fin: fin, opcode: opcode, rsv: rsv, data: data))
        try await self.settle()
    }

    /// Waits until the event loop has run what was just written. A write reaches the channel as
    /// a task on its event loop, and NIO's async writer hears that the channel became unwritable
    /// only when that task has run. A sender that did not wait would run ahead of the loop: its
    /// writes would queue up there and then all land in the channel's buffer, far past the high
    /// watermark, and the socket would stay unwritable until the peer had read every one of them.
    private func settle() async throws {
        try await self.eventLoop.submit {}.get()
    }

    /// Answers a peer's close (echoing its status code, RFC 6455 §5.5.1). The peer may already
    /// have dropped the connection, so a failed write is not an error; an observer error is.
    func replyToClose(code: UInt16?) async throws {
        var payload = ByteBuffer()
        if let code { payload.writeInteger(code) }
        try await self.sendClose(payload: payload, ignoringWriteErrors: true)
    }

    private func sendClose(payload: ByteBuffer, ignoringWriteErrors: Bool) async throws {
        let first = self.closeState.withLock { sent in
            defer { sent = true }
            return !sent
        }
        guard first else { return }
        try await self.observe(opcode: .connectionClose, rsv: 0, data: payload)
        let frame = self.frame(fin: true, opcode: .connectionClose, rsv: 0, data: payload)
        if ignoringWriteErrors {
            try? await self.outbound.write(frame)
        } else {
            try await self.outbound.write(frame)
        }
    }

    private func observe(opcode: WebSocketOpcode, rsv: UInt8, data: ByteBuffer) async throws {
        guard let observer = self.observer else { return }
        let message = WebSocketMessage(
            opcode: opcode,
            rsv: rsv,
            payload: data,
            wallNanos: self.clock.wallNanos(),
            monotonicNanos: self.clock.monotonicNanos()
        )
        try await observer(message)
    }

    private func frame(fin: Bool, opcode: WebSocketOpcode, rsv: UInt8, data: ByteBuffer) -> WebSocketFrame {
        WebSocketFrame(
            fin: fin,
            rsv1: rsv & 4 != 0,
            rsv2: rsv & 2 != 0,
            rsv3: rsv & 1 != 0,
            opcode: opcode,
            maskKey: self.masks ? .random() : nil,
            data: data
        )
    }
}

/// Misuse of a ``WebSocketWriter``.
public enum WebSocketWriterError: Error, CustomStringConvertible, Equatable, Sendable {
    /// RFC 6455 §5.5.1: after sending a close frame, an endpoint must not send more data frames.
    case closeAlreadySent

    public var description: String {
        switch self {
        case .closeAlreadySent: return "websocket data frame after close frame"
        }
    }
}
