import Foundation
import NIOCore
import Testing
import TicktapeTestSupport

@testable import Wire

/// A server that accepts TCP (the kernel's backlog) and never answers must not hold a client, or
/// a recorder's reconnect loop, forever.
@Suite(.timeLimit(.minutes(3))) struct ClientHandshakeTimeoutTests {
    @Test func anUnansweredUpgradeFailsAfterTheHandshakeTimeoutAndTheRecorderRetries() async throws {
        let listener = try SilentListener()
        defer { listener.close() }
        try await expectHandshakeFailure(port: listener.port, timeout: .milliseconds(100))

        let log = RecordingLog()
        var configuration = try loopbackRecorder(port: listener.port)
        configuration.clientOptions.handshakeTimeout = .milliseconds(100)
        try await withRecorder(configuration, sink: log) {
            try await eventually {
                await log.events.filter { if case .connectFailed = $0 { true } else { false } }.count >= 2
            }
        }
        #expect(await log.epochs.isEmpty)
        #expect(await log.events.last == .stopped(epochs: 0))
    }

    /// The deadline covers the whole connect: one that passes before TCP has even connected (as
    /// on a loaded machine) is a handshake failure too, not a connect failure.
    @Test func aDeadlinePassingDuringTheTCPConnectIsAHandshakeFailure() async throws {
        let listener = try SilentListener()
        defer { listener.close() }
        for _ in 0..<10 { try await expectHandshakeFailure(port: listener.port, timeout: .nanoseconds(1)) }
    }

    /// Connects to the silent listener on `port` with `timeout` and expects a handshake failure.
    private func expectHandshakeFailure(port: Int, timeout: TimeAmount) async throws {
        let url = try WebSocketURL("ws://127.0.0.1:\(port)/websocket/v1")
        var options = WebSocketClient.Options()
        options.handshakeTimeout = timeout
        do {
            _ = try await WebSocketClient.connect(url: url, options: options)
            Issue.record("nobody answered the upgrade: connect must fail")
        } catch let error as WebSocketClientError {
            // Named as the deadline, whether it passed before or during the upgrade.
            let milliseconds = timeout.nanoseconds / 1_000_000
            #expect(error == .handshakeFailed("no complete handshake within \(milliseconds) ms"))
        }
    }
}

/// A listening socket on 127.0.0.1 that never accepts: connects complete in the kernel, nothing
/// is ever read or written.
struct SilentListener {
    let fd: Int32
    let port: Int

    init() throws {
        self.fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let fd = self.fd
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(fd, raw, length) == 0 && listen(fd, 16) == 0 && getsockname(fd, raw, &length) == 0
            }
        }
        guard fd >= 0, bound else { throw POSIXError(.EADDRNOTAVAIL) }
        self.port = Int(UInt16(bigEndian: address.sin_port))
    }

    func close() { _ = Foundation.close(self.fd) }
}
