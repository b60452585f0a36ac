import Foundation
import NIOCore
import NIOHTTP1
import NIOWebSocket
import Primitives

/// Installs the HTTP upgrade machinery on a fresh client channel (separate from the bootstrap so
/// it can be exercised on an `EmbeddedChannel`).
struct ClientPipelineSetup: Sendable {
    var url: WebSocketURL
    var headers: HTTPHeaders
    var requestKey: String
    var maxFrameSize: Int
    var maxMessageSize: Int
    var clock: WireClock
    /// Always `.forwardBytes` in production; settable so a test can show what `.dropBytes` loses.
    var leftOverBytesStrategy: RemoveAfterUpgradeStrategy = .forwardBytes

    /// Must run on the channel's event loop. `upgraded` wraps the channel once the WebSocket
    /// handlers are in place; `refused` wraps it when the server answered anything but 101.
    func configure<Result: Sendable>(
        channel: any Channel,
        capture: ResponseCapture? = nil,
        upgraded: @escaping @Sendable (any Channel) throws -> Result,
        refused: @escaping @Sendable (any Channel) throws -> Result
    ) throws -> EventLoopFuture<Result> {
        let clock = self.clock
        let maxMessageSize = self.maxMessageSize
        let upgrader = NIOTypedWebSocketClientUpgrader<Result>(
            requestKey: self.requestKey,
            maxFrameSize: self.maxFrameSize,
            enableAutomaticErrorHandling: false,  // MessageAssemblyHandler reports errors instead
            upgradePipelineHandler: { channel, _ in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(FrameStamper(clock: clock))
                    try channel.pipeline.syncOperations.addHandler(
                        MessageAssemblyHandler(maxMessageSize: maxMessageSize, isClient: true)
                    )
                    return try upgraded(channel)
                }
            }
        )
        var headers = HTTPHeaders()
        // NIO's typed upgrade handler adds only Connection/Upgrade/Sec-WebSocket-*; servers and
        // CDNs answer 400 without Host (RFC 7230 §5.4).
        headers.add(name: "Host", value: self.url.hostHeader)
        headers.add(contentsOf: self.headers)
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: self.url.pathAndQuery, headers: headers)
        let upgradeConfiguration = NIOTypedHTTPClientUpgradeConfiguration<Result>(
            upgradeRequestHead: head,
            upgraders: [upgrader],
            notUpgradingCompletionHandler: { channel in channel.eventLoop.makeCompletedFuture { try refused(channel) } }
        )
        var configuration = NIOUpgradableHTTPClientPipelineConfiguration(upgradeConfiguration: upgradeConfiguration)
        // The default `.dropBytes` loses frames that arrive in the same read as the 101 response
        // (apple/swift-nio#741; exchanges push a snapshot right after the handshake).
        configuration.leftOverBytesStrategy = self.leftOverBytesStrategy
        let gate = UpgradeEndGate(capture: capture)
        try channel.pipeline.syncOperations.addHandler(gate)
        let outcome = try channel.pipeline.syncOperations.configureUpgradableHTTPClientPipeline(
            configuration: configuration
        )
        // The upgrade handler forwards what it buffered right after completing this future, in
        // the same turn of the event loop; the connection's end follows on the next turn.
        let loop = channel.eventLoop
        outcome.assumeIsolated().whenComplete { _ in loop.assumeIsolated().execute { gate.release() } }
        return outcome
    }
}

/// Holds the end of the connection (`channelInactive`) back while the upgrade is in progress.
///
/// NIO's upgrade handler buffers the bytes that arrive during the upgrade and forwards them once
/// it is done, but lets `channelInactive` through at once. A server that sends its 101 and then,
/// straight away, a close frame and its FIN (as a refusing exchange or a short server timer does)
/// would have the close frame delivered after the end of the stream, which drops it: the client
/// saw a lost connection instead of the close and its code. Sits in front of the HTTP handlers;
/// removes itself once the upgrade is over.
final class UpgradeEndGate: ChannelInboundHandler, RemovableChannelHandler {
    /// Raw bytes: the gate sits in front of the HTTP codec (behind TLS, when there is one).
    typealias InboundIn = ByteBuffer

    private var context: ChannelHandlerContext?
    private var inactive = false
    private let capture: ResponseCapture?

    init(capture: ResponseCapture? = nil) { self.capture = capture }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        capture?.append(self.unwrapInboundIn(data))
        context.fireChannelRead(data)
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelInactive(context: ChannelHandlerContext) {
        // Held until ``release()``: the upgrade still owns bytes that came before it.
        self.inactive = true
    }

    /// The upgrade is over and what it buffered was forwarded: let the end through, and leave.
    func release() {
        guard let context else { return }
        if self.inactive {
            self.inactive = false
            context.fireChannelInactive()
        }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}

@available(*, unavailable)
extension UpgradeEndGate: Sendable {}

/// The first bytes of the server's answer to the upgrade request, kept while the upgrade is in
/// progress: when a refusing server closes at once, NIO's upgrade handler can be torn down with
/// the channel before it reports the refusal, and the status and body are then read from here.
final class ResponseCapture: Sendable {
    private let bytes = Locked<[UInt8]>([])
    static let limit = 4096

    func append(_ buffer: ByteBuffer) {
        bytes.withLock { bytes in
            let room = Self.limit - bytes.count
            if room > 0 { bytes += buffer.readableBytesView.prefix(room) }
        }
    }

    /// The status and (up to 1 KiB of) body of a complete non-101 response head; nil otherwise.
    var refusal: (status: Int, body: String)? {
        let data = bytes.withLock { $0 }
        guard let end = data.firstRange(of: Array("\r\n\r\n".utf8)) else { return nil }
        let head = String(decoding: data[..<end.lowerBound], as: UTF8.self)
        let words = head.prefix { $0 != "\r" }.split(separator: " ")
        guard words.count >= 2, words[0].hasPrefix("HTTP/"), let status = Int(words[1]), status != 101 else {
            return nil
        }
        var length = 1024
        for line in head.split(separator: "\r\n") where line.lowercased().hasPrefix("content-length:") {
            length = min(
                length,
                Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) ?? 1024
            )
        }
        let body = data[end.upperBound...].prefix(length)
        return (status, String(decoding: body, as: UTF8.self))
    }
}
