import Foundation
import Primitives

/// A local WebSocket client for `bench relay` that costs next to nothing: a blocking socket on a
/// thread of its own (outside Swift's cooperative pool and NIO's event loops, as a separate
/// client program would be), the HTTP upgrade, one masked text frame with the subscription, then
/// either reading and discarding bytes as fast as they come, or (`stuck`) never reading again.
final class RawWebSocketReader: @unchecked Sendable {
    private let fd: Int32
    private let done = DispatchSemaphore(value: 0)
    /// Bytes read after the upgrade (written by the reader thread, read after ``stop()``).
    private(set) var bytes = 0

    /// Connects, upgrades and subscribes; then reads on a thread of its own until ``stop()``.
    init(port: Int, request: [UInt8], stuck: Bool) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BenchError("socket: errno \(errno)") }
        self.fd = fd
        if stuck {
            var size: Int32 = 4096
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(fd)
            throw BenchError("connect to 127.0.0.1:\(port): errno \(errno)")
        }
        let upgrade =
            "GET /websocket/v1 HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        try Self.sendAll(fd, Array(upgrade.utf8))
        // The 101 response ends with an empty line; nothing else comes before our request.
        var head: [UInt8] = []
        var byte: UInt8 = 0
        while !head.suffix(4).elementsEqual([13, 10, 13, 10]) {
            guard recv(fd, &byte, 1, 0) == 1 else {
                close(fd)
                throw BenchError("the relay closed during the upgrade")
            }
            head.append(byte)
        }
        guard String(decoding: head.prefix(12), as: UTF8.self).hasSuffix("101") else {
            close(fd)
            throw BenchError("upgrade refused: \(String(decoding: head, as: UTF8.self))")
        }
        try Self.sendAll(fd, Self.maskedText(request))
        let done = self.done
        Thread.detachNewThread { [self] in
            if !stuck {
                var buffer = [UInt8](repeating: 0, count: 1 << 16)
                while true {
                    let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                    if n <= 0 { break }
                    self.bytes += n
                }
            } else {
                while !self.stopping.withLock({ $0 }) { usleep(20_000) }
            }
            done.signal()
        }
    }

    private let stopping = Locked(false)

    /// Ends the reader: the socket is shut down, and the thread waited for.
    func stop() {
        stopping.withLock { $0 = true }
        shutdown(fd, Int32(SHUT_RDWR))
        done.wait()
        close(fd)
    }

    private static func sendAll(_ fd: Int32, _ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw BenchError("send: errno \(errno)") }
            sent += n
        }
    }

    /// One text frame, FIN set, masked as a client must (RFC 6455 §5.3).
    static func maskedText(_ payload: [UInt8]) -> [UInt8] {
        var frame: [UInt8] = [0x81]
        if payload.count < 126 {
            frame.append(0x80 | UInt8(payload.count))
        } else {
            frame.append(0x80 | 126)
            frame.append(UInt8(payload.count >> 8))
            frame.append(UInt8(payload.count & 0xFF))
        }
        let mask: [UInt8] = [0x37, 0xFA, 0x21, 0x3D]
        frame += mask
        for (i, byte) in payload.enumerated() { frame.append(byte ^ mask[i % 4]) }
        return frame
    }
}
