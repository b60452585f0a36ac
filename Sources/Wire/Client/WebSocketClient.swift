import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOWebSocket
import Primitives

/// Opens client WebSocket connections (RFC 6455) over TCP or TLS.
///
/// Pipeline after the upgrade:
/// `[NIOSSLClientHandler] → WebSocketFrameEncoder → WebSocketFrameDecoder → FrameStamper →
/// MessageAssemblyHandler → NIOAsyncChannel`. The NIOAsyncChannel's watermarks bound how many
/// messages wait for the consumer; past the high watermark NIO stops reading the socket, so a
/// slow tape writer slows the sender down through TCP instead of dropping frames.
public enum WebSocketClient {
    /// Less common knobs of ``connect(url:headers:tls:maxFrameSize:options:)``.
    public struct Options: Sendable {
        /// Largest reassembled message (default: `maxFrameSize`).
        public var maxMessageSize: Int?
        /// TCP connect timeout (default 10 s).
        public var connectTimeout: TimeAmount = .seconds(10)
        /// How long the whole connect (TCP, TLS, HTTP upgrade) may take (default 10 s). A server
        /// that accepts TCP and never answers the upgrade would otherwise hold `connect` (and a
        /// recorder's reconnect loop) forever; past this the connection is closed and `connect`
        /// throws ``WebSocketClientError/handshakeFailed(_:)``.
        public var handshakeTimeout: TimeAmount = .seconds(10)
        /// Inbound messages buffered for the consumer before reading pauses (default 16…256).
        public var lowWatermark = 16
        public var highWatermark = 256
        /// Where stamps come from (default: the system clocks).
        public var clock: WireClock = .system
        /// The event loop group (default: NIO's shared singleton).
        public var group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton

        public init() {}
    }

    /// Connects, performs the HTTP/1.1 upgrade and returns the open connection.
    ///
    /// - Parameters:
    ///   - url: `ws://` or `wss://` URL.
    ///   - headers: extra request headers, e.g. `Authorization: Bearer <jwt>` for Upbit's private
    ///     endpoint. A `Host` header is always added; `Origin` never is (Upbit limits requests that
    ///     carry one to 1 per 10 s).
    ///   - tls: the TLS context for `wss` (default: system trust roots, built on each call, so
    ///     pass one in when reconnecting repeatedly).
    ///   - maxFrameSize: largest accepted frame (default 16 MiB; NIO's default 16 KiB is smaller
    ///     than an order-book snapshot).
    ///   - options: less common knobs: timeouts, buffer watermarks, the clock, the event loop group.
    /// - Throws: ``WebSocketClientError``; `.upgradeRejected(status: 429, …)` when the server
    ///   refuses the upgrade.
    public static func connect(
        url: WebSocketURL,
        headers: [(String, String)] = [],
        tls: WebSocketTLS? = nil,
        maxFrameSize: Int = 1 << 24,
        options: Options = Options()
    ) async throws -> WebSocketClientConnection {
        let tls = try url.isSecure ? (tls ?? WebSocketTLS.systemTrustRoots()) : nil
        var requestHeaders = HTTPHeaders()
        for (name, value) in headers { requestHeaders.add(name: name, value: value) }
        let setup = ClientPipelineSetup(
            url: url,
            headers: requestHeaders,
            requestKey: NIOWebSocketClientUpgrader.randomRequestKey(),
            maxFrameSize: maxFrameSize,
            maxMessageSize: options.maxMessageSize ?? maxFrameSize,
            clock: options.clock
        )
        let strategy = NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark(
            lowWatermark: options.lowWatermark,
            highWatermark: options.highWatermark
        )
        // Set when the handshake deadline closed the channel: then even a TCP connect that had
        // not finished yet failed because the whole connect took too long.
        let deadlinePassed = Locked(false)
        let capture = ResponseCapture()
        let upgrade: EventLoopFuture<ClientUpgradeOutcome>
        do {
            upgrade = try await ClientBootstrap(group: options.group)
                .connectTimeout(options.connectTimeout)
                .channelOption(.tcpOption(.tcp_nodelay), value: 1)
                .connect(host: url.host, port: url.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let tls {
                            try channel.pipeline.syncOperations.addHandler(tls.makeHandler(host: url.host))
                        }
                        let outcome: EventLoopFuture<ClientUpgradeOutcome> = try setup.configure(
                            channel: channel,
                            capture: capture,
                            upgraded: { channel in
                                .upgraded(
                                    try NIOAsyncChannel(
                                        wrappingChannelSynchronously: channel,
                                        configuration: .init(backPressureStrategy: strategy)
                                    )
                                )
                            },
                            refused: { channel in .refused(try NIOAsyncChannel(wrappingChannelSynchronously: channel)) }
                        )
                        let deadline = channel.eventLoop.scheduleTask(in: options.handshakeTimeout) {
                            deadlinePassed.withLock { $0 = true }
                            channel.close(promise: nil)
                        }
                        outcome.whenComplete { _ in deadline.cancel() }
                        return outcome
                    }
                }
        } catch let error as WebSocketClientError {
            throw error
        } catch {
            if deadlinePassed.withLock({ $0 }) {
                throw WebSocketClientError.handshakeFailed(
                    "no complete handshake within \(options.handshakeTimeout.nanoseconds / 1_000_000) ms"
                )
            }
            throw WebSocketClientError.connectFailed(String(describing: error))
        }
        let outcome: ClientUpgradeOutcome
        do {
            outcome = try await upgrade.get()
        } catch {
            // A server that refuses and closes at once can tear the upgrade handler down before
            // it reports the refusal; the response itself still arrived.
            if let refusal = capture.refusal {
                throw WebSocketClientError.upgradeRejected(status: refusal.status, body: refusal.body)
            }
            if deadlinePassed.withLock({ $0 }) {
                throw WebSocketClientError.handshakeFailed(
                    "no complete handshake within \(options.handshakeTimeout.nanoseconds / 1_000_000) ms"
                )
            }
            throw WebSocketClientError.handshakeFailed(String(describing: error))
        }
        switch outcome {
        case .upgraded(let channel):
            return WebSocketClientConnection(
                channel: channel,
                clock: options.clock,
                url: url,
                openedWallNanos: options.clock.wallNanos(),
                openedMonotonicNanos: options.clock.monotonicNanos()
            )
        case .refused(let http):
            throw try await Self.rejection(from: http)
        }
    }

    /// Reads the refusing response (status and up to 1 KiB of body) and closes the connection.
    private static func rejection(
        from http: NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>
    ) async throws -> WebSocketClientError {
        try await http.executeThenClose { inbound, _ in
            var status = 0
            var body = ByteBuffer()
            do {
                for try await part in inbound {
                    switch part {
                    case .head(let head): status = Int(head.status.code)
                    case .body(var chunk):
                        let room = max(0, 1024 - body.readableBytes)
                        if let slice = chunk.readSlice(length: min(room, chunk.readableBytes)) {
                            body.writeImmutableBuffer(slice)
                        }
                    case .end: return .upgradeRejected(status: status, body: String(buffer: body))
                    }
                }
            } catch {
                // The server may close right after the response; what we have is the answer.
            }
            return .upgradeRejected(status: status, body: String(buffer: body))
        }
    }
}

/// What the client upgrade produced.
enum ClientUpgradeOutcome: Sendable {
    case upgraded(NIOAsyncChannel<WebSocketMessage, WebSocketFrame>)
    case refused(NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>)
}
