import NIOCore
import Primitives
import Testing

@testable import Wire

/// A writer whose peer stops reading must wait, not pile messages into the channel: NIO's async
/// writer hears that the channel went unwritable only on the event loop, after the write, and a
/// sender running ahead of it could fill the channel's buffer far past its high watermark.
@Suite(.timeLimit(.minutes(3))) struct WebSocketWriterBackpressureTests {
    @Test func aSenderWaitsWhileTheSocketIsUnwritableInsteadOfFillingTheChannel() async throws {
        // The server never reads: its receive buffer, then the client's send buffer, fill up.
        let handler = ClosureHandler { _, _, _ in try await Task.sleep(for: .seconds(600)) }
        try await withServer(handler: handler) { port in
            let connection = try await WebSocketClient.connect(
                url: try WebSocketURL("ws://127.0.0.1:\(port)/websocket/v1")
            )
            let channel = connection.channel.channel
            let messageSize = 16 << 10
            try await connection.executeThenClose { _, writer in
                let sent = Locked(0)
                let sender = Task {
                    let message = ByteBuffer(repeating: 0x2A, count: messageSize)
                    while !Task.isCancelled {
                        try await writer.send(binary: message)
                        sent.withLock { $0 += 1 }
                    }
                }
                defer { sender.cancel() }
                try await eventually { !channel.isWritable }
                // Until the sender has stopped: five polls 20 ms apart see the same count.
                var same = 0
                var last = -1
                while same < 5 {
                    try await Task.sleep(for: .milliseconds(20))
                    let now = sent.withLock { $0 }
                    same = now == last ? same + 1 : 0
                    last = now
                }
                let buffered = try await channel.getOption(.bufferedWritableBytes).get()
                // At most the high watermark (64 KiB by default) and the message that crossed it.
                #expect(buffered <= (64 << 10) + messageSize + 16, "\(buffered) bytes waited in the channel")
            }
        }
    }
}
