import NIOCore
import NIOHTTP1

/// Answers requests that did not upgrade: `GET /status` with the status closure, then whatever
/// the configuration's `httpResponder` answers (the REST endpoints), a plain request on a
/// WebSocket path with 426 (RFC 7231 §6.5.15: Upgrade Required), anything else with 404. One
/// answer, then close. (A refused upgrade is answered on the event loop, with
/// ``parts(of:upgradeRequired:)``.)
enum ServerHTTPFallback {
    static func serve(
        _ channel: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>,
        _ configuration: WebSocketServerConfiguration,
        status: (@Sendable () async -> HTTPReply)?
    ) async throws {
        try await channel.executeThenClose { inbound, outbound in
            for try await part in inbound {
                let reply: HTTPReply
                switch part {
                case .head(let head):
                    let request = PlainHTTPRequest(
                        method: head.method,
                        uri: head.uri,
                        headers: head.headers,
                        remoteAddress: channel.channel.remoteAddress
                    )
                    reply = await Self.route(request, configuration, status: status)
                case .end:
                    // An upgrade to a protocol we do not speak: its head was consumed too.
                    reply = HTTPReply(status: .badRequest, body: "unsupported upgrade")
                case .body:
                    continue
                }
                try await Self.write(reply, to: outbound, upgradeRequired: reply.status == .upgradeRequired)
                return
            }
        }
    }

    private static func route(
        _ request: PlainHTTPRequest,
        _ configuration: WebSocketServerConfiguration,
        status: (@Sendable () async -> HTTPReply)?
    ) async -> HTTPReply {
        let path = request.path
        if request.method == .GET, path == "/status", let status {
            return await status()
        }
        if let responder = configuration.httpResponder, let reply = await responder.reply(to: request) {
            return reply
        }
        if configuration.paths.contains(path) {
            return HTTPReply(status: .upgradeRequired, body: "websocket upgrade required")
        }
        return HTTPReply(status: .notFound, body: "not found")
    }

    private static func write(
        _ reply: HTTPReply,
        to outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>,
        upgradeRequired: Bool
    ) async throws {
        try await outbound.write(contentsOf: Self.parts(of: reply, upgradeRequired: upgradeRequired))
    }

    /// The response as head, body and end, with `Connection: close`: every answer is the last.
    static func parts(of reply: HTTPReply, upgradeRequired: Bool) -> [HTTPServerResponsePart] {
        let body = ByteBuffer(string: reply.body)
        var headers = reply.headers
        headers.add(name: "Content-Type", value: reply.contentType)
        headers.add(name: "Content-Length", value: String(body.readableBytes))
        headers.add(name: "Connection", value: "close")
        if upgradeRequired { headers.add(name: "Upgrade", value: "websocket") }
        let head = HTTPResponseHead(version: .http1_1, status: reply.status, headers: headers)
        return [.head(head), .body(.byteBuffer(body)), .end(nil)]
    }
}
