import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOWebSocket
import Primitives

/// A WebSocket server skeleton for the replay server and the exchange simulator.
///
/// Upgrades only on the configured paths (typed NIO upgrade, which forwards bytes that follow
/// the request); every other request takes the HTTP fallback: `GET /status` is answered by the
/// `status` closure, a plain GET on a WebSocket path gets 426, anything else 404. The `gate`
/// decides each upgrade (e.g. 429 past 5 connects/s, as Upbit does). Each connection runs in a child
/// of a discarding task group, so finished connections are not retained.
public struct WebSocketServer: Sendable {
    private let channel: NIOAsyncChannel<EventLoopFuture<ServerConnection>, Never>
    private let configuration: WebSocketServerConfiguration
    private let status: (@Sendable () async -> HTTPReply)?
    /// The bound port (the real one when configured with port 0).
    public let port: Int

    /// Binds the listening socket; call ``run(handler:)`` to serve.
    public static func bind(
        configuration: WebSocketServerConfiguration = WebSocketServerConfiguration(),
        gate: (@Sendable (UpgradeRequest) -> UpgradeDecision)? = nil,
        status: (@Sendable () async -> HTTPReply)? = nil
    ) async throws -> WebSocketServer {
        let clients = configuration.counters.slots
        var bootstrap = ServerBootstrap(group: configuration.group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
        if let size = configuration.socketSendBufferSize {
            bootstrap = bootstrap.childChannelOption(.socketOption(.so_sndbuf), value: SocketOptionValue(size))
        }
        let channel =
            try await bootstrap
            .bind(host: configuration.host, port: configuration.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try Self.configureChild(channel, configuration: configuration, gate: gate, clients: clients)
                }
            }
        return WebSocketServer(
            channel: channel,
            configuration: configuration,
            status: status,
            port: channel.channel.localAddress?.port ?? configuration.port
        )
    }

    /// Serves connections with `handler` until the task is cancelled (then the socket closes).
    /// Call at most once.
    public func run(handler: some WebSocketServerHandler) async throws {
        let configuration = self.configuration
        let status = self.status
        try await withThrowingDiscardingTaskGroup { group in
            try await self.channel.executeThenClose { connections in
                for try await connection in connections {
                    group.addTask {
                        do {
                            switch try await connection.get() {
                            case .websocket(let channel, let request, let closeState):
                                try await Self.serveWebSocket(
                                    channel,
                                    request: request,
                                    closeState: closeState,
                                    handler: handler,
                                    configuration
                                )
                            case .http(let channel):
                                try await ServerHTTPFallback.serve(channel, configuration, status: status)
                            case .answered:
                                break
                            }
                        } catch {
                            configuration.onConnectionError?(error)
                        }
                    }
                }
            }
        }
    }

    private static func serveWebSocket(
        _ channel: NIOAsyncChannel<WebSocketMessage, WebSocketFrame>,
        request: UpgradeRequest,
        closeState: Locked<Bool>,
        handler: some WebSocketServerHandler,
        _ configuration: WebSocketServerConfiguration
    ) async throws {
        try await channel.executeThenClose { inbound, outbound in
            let writer = WebSocketWriter(
                outbound: outbound,
                eventLoop: channel.channel.eventLoop,
                masks: false,
                clock: configuration.clock,
                closeState: closeState
            )
            try await handler.serve(
                request,
                inbound: WebSocketInbound(stream: inbound, writer: writer),
                outbound: writer
            )
            if !writer.closeSent { try? await writer.close(code: 1000) }
        }
    }

    private static func configureChild(
        _ channel: any Channel,
        configuration: WebSocketServerConfiguration,
        gate: (@Sendable (UpgradeRequest) -> UpgradeDecision)?,
        clients: Locked<Int>
    ) throws -> EventLoopFuture<ServerConnection> {
        if let tls = configuration.tls {
            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls.context))
        }
        // Why an upgrade was refused, handed from `shouldUpgrade` to the HTTP fallback; both run
        // on this channel's event loop.
        let refusal = NIOLoopBoundBox<HTTPReply?>(nil, eventLoop: channel.eventLoop)
        let upgrader = NIOTypedWebSocketServerUpgrader<ServerConnection>(
            maxFrameSize: configuration.maxMessageSize,
            enableAutomaticErrorHandling: false,  // MessageAssemblyHandler sends 1009/1002 itself
            shouldUpgrade: { channel, head in
                let request = UpgradeRequest(
                    path: String(head.uri.prefix { $0 != "?" }),
                    uri: head.uri,
                    headers: head.headers,
                    remoteAddress: channel.remoteAddress
                )
                let decision = Self.decide(request, configuration, gate: gate, clients: clients)
                guard case .accept = decision else {
                    if case .reject(let reply) = decision { refusal.value = reply }
                    return channel.eventLoop.makeSucceededFuture(nil)
                }
                channel.closeFuture.whenComplete { _ in clients.withLock { $0 -= 1 } }
                return channel.eventLoop.makeSucceededFuture(HTTPHeaders())
            },
            upgradePipelineHandler: { channel, head in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(IdleStateHandler(allTimeout: configuration.idleTimeout))
                    try sync.addHandler(IdleCloser())
                    try sync.addHandler(FrameStamper(clock: configuration.clock))
                    try sync.addHandler(
                        MessageAssemblyHandler(maxMessageSize: configuration.maxMessageSize, isClient: false)
                    )
                    let closeState = Locked(false)
                    try sync.addHandler(
                        UnwritableWatchdog(
                            timeout: configuration.unwritableTimeout,
                            grace: configuration.unwritableGrace,
                            closeSent: closeState,
                            counters: configuration.counters
                        )
                    )
                    let request = UpgradeRequest(
                        path: String(head.uri.prefix { $0 != "?" }),
                        uri: head.uri,
                        headers: head.headers,
                        remoteAddress: channel.remoteAddress
                    )
                    return .websocket(
                        try NIOAsyncChannel(wrappingChannelSynchronously: channel),
                        request,
                        closeState: closeState
                    )
                }
            }
        )
        let upgradeConfiguration = NIOTypedHTTPServerUpgradeConfiguration<ServerConnection>(
            upgraders: [upgrader],
            notUpgradingCompletionHandler: { channel in
                // A refusal is answered here, on the event loop, so that a server whose tasks
                // are busy still refuses within the client's handshake deadline.
                if let reply = refusal.value {
                    let parts = ServerHTTPFallback.parts(of: reply, upgradeRequired: false)
                    for part in parts.dropLast() { channel.write(part, promise: nil) }
                    channel.writeAndFlush(parts[parts.count - 1]).whenComplete { _ in channel.close(promise: nil) }
                    return channel.eventLoop.makeSucceededFuture(.answered)
                }
                return channel.eventLoop.makeCompletedFuture {
                    .http(try NIOAsyncChannel(wrappingChannelSynchronously: channel))
                }
            }
        )
        let negotiated = try channel.pipeline.syncOperations.configureUpgradableHTTPServerPipeline(
            configuration: .init(upgradeConfiguration: upgradeConfiguration)
        )
        // The deadline holds until the request is really done: an upgrade that failed half-way
        // (NIO fails it on a request body, for one) is closed at once, so that it frees its
        // client slot instead of idling until the peer leaves.
        let counters = configuration.counters
        let deadline = channel.eventLoop.scheduleTask(in: configuration.handshakeTimeout) {
            counters.handshakeTimedOut()
            channel.close(promise: nil)
        }
        negotiated.whenComplete { result in
            deadline.cancel()
            if case .failure = result { channel.close(promise: nil) }
        }
        return negotiated
    }

    /// Path, then capacity, then the caller's gate; an accepted upgrade takes a client slot.
    private static func decide(
        _ request: UpgradeRequest,
        _ configuration: WebSocketServerConfiguration,
        gate: (@Sendable (UpgradeRequest) -> UpgradeDecision)?,
        clients: Locked<Int>
    ) -> UpgradeDecision {
        guard configuration.paths.contains(request.path) else {
            return .reject(HTTPReply(status: .notFound, body: "not found"))
        }
        guard clients.withLock({ $0 < configuration.maxClients }) else {
            return .reject(HTTPReply(status: .serviceUnavailable, body: "too many clients"))
        }
        if let gate, case .reject(let reply) = gate(request) {
            return .reject(reply)
        }
        let admitted = clients.withLock { count in
            guard count < configuration.maxClients else { return false }
            count += 1
            return true
        }
        return admitted ? .accept : .reject(HTTPReply(status: .serviceUnavailable, body: "too many clients"))
    }
}

/// What a server child channel became after the HTTP request.
enum ServerConnection: Sendable {
    /// `closeState` is shared by the handler's writer and the unwritable watchdog.
    case websocket(NIOAsyncChannel<WebSocketMessage, WebSocketFrame>, UpgradeRequest, closeState: Locked<Bool>)
    case http(NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>)
    /// A refused upgrade, already answered and closing.
    case answered
}
