import Foundation
import NIOCore
import Testing
import TicktapeTestSupport
import Wire

/// `--speed max` runs "as fast as the slowest client takes it" (TapeMarket): a client that stops
/// reading for a while is waited for, never closed as a slow consumer, and gets every frame.
@Suite(.timeLimit(.minutes(3))) struct ServeRoundTripSlowClientTests {
    @Test func atMaxSpeedAClientThatPausesIsWaitedForAndGetsEveryFrame() async throws {
        let tape = temporaryDirectory() + "/big.tape"
        // ~30k frames (~45 MB): more than the listener queue, the connection's send queue and
        // the loopback socket buffers hold together, so a pause reaches the replay itself.
        try await ticktapeOK(["_synth", "--out", tape, "--seconds", "30", "--rate", "1000", "--symbols", "10"])
        let messages = try marketMessages(of: tape).messages
        let expected = messages.count
        let server = try await ServedTape(tape: tape, ["--speed", "max"])
        defer { server.kill() }

        let codes = messages.reduce(into: Set<String>()) { $0.insert($1.code ?? "") }
        let list = codes.sorted().map { "\"\($0)\"" }.joined(separator: ",")
        let request =
            "[{\"ticket\":\"slow\"},"
            + ["ticker", "trade", "orderbook"].map { #"{"type":"\#($0)","codes":[\#(list)],"isOnlyRealtime":true}"# }
            .joined(separator: ",") + "]"
        // The client reads on threads of its own: this process's CPU-bound tests must not pause
        // it long enough for the server to close it as stuck.
        let url = try WebSocketURL(server.url)
        let outcome: (Int, UInt16?)? = try await Task(executorPreference: sessionExecutor) {
            let connection = try await WebSocketClient.connect(url: url)
            return try await connection.executeThenClose { inbound, writer in
                try await writer.send(text: request)
                try await Task.sleep(for: .seconds(1.5))  // not reading: everything behind it fills up
                var received = 0
                for try await message in inbound {
                    if message.opcode == .connectionClose { return (received, message.closeCode) }
                    received += 1
                    if received == expected { break }
                }
                return (received, nil as UInt16?)
            }
        }.value
        let (received, closeCode) = try #require(outcome, "every frame within 60 s")
        #expect(closeCode == nil, "closed with \(closeCode.map(String.init) ?? "-") after \(received) frames")
        #expect(received == expected)
        #expect(await server.stop(signal: SIGINT).status == 0)
    }
}
