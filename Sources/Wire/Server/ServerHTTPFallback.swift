import NIOCore
import NIOHTTP1

/// Answers requests that did not upgrade: a refused upgrade with its refusal (429, 503, 404),
/// `GET /status` with the status closure, a plain request on a WebSocket path with 426
/// (RFC 7231 §6.5.15: Upgrade Required), anything else with 404. One answer, then close.
enum ServerHTTPFallback {
    static func serve(
        _ channel: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>,
        refusal: HTTPReply?,
        _ configuration: WebSocketServerConfiguration,
        status: (@Sendable () async -> HTTPReply)?
    ) async throws {
        try await channel.executeThenClose { inbound, outbound in
            for try await part in inbound {
                guard case .head(let head) = part else { continue }
                let path = String(head.uri.prefix { $0 != "?" })
                let reply: HTTPReply
                if let refusal {
                    reply = refusal
                } else if head.method == .GET, path == "/status", let status {
                    reply = await status()
                } else if configuration.paths.contains(path) {
                    reply = HTTPReply(status: .upgradeRequired, body: "websocket upgrade required")
                } else {
                    reply = HTTPReply(status: .notFound, body: "not found")
                }
                try await Self.write(reply, to: outbound, upgradeRequired: reply.status == .upgradeRequired)
                return
            }
        }
    }

    private static func write(
        _ reply: HTTPReply,
        to outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>,
        upgradeRequired: Bool
    ) async throws {
        let body = ByteBuffer(string: reply.body)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: reply.contentType)
        headers.add(name: "Content-Length", value: String(body.readableBytes))
        headers.add(name: "Connection", value: "close")
        if upgradeRequired { headers.add(name: "Upgrade", value: "websocket") }
        let head = HTTPResponseHead(version: .http1_1, status: reply.status, headers: headers)
        try await outbound.write(contentsOf: [.head(head), .body(.byteBuffer(body)), .end(nil)])
    }
}
