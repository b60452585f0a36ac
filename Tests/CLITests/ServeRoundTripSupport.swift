import Exchange
import Foundation
import TapeLog
import TicktapeTestSupport
import Upbit

/// A running `ticktape serve TAPE --port 0 …`, killed in every path (call ``kill()`` in a defer).
/// Built on ``ChildProcess``: output through a file, every wait async and bounded.
final class ServedTape: Sendable {
    let child: ChildProcess
    /// From the first stdout line.
    let port: Int
    var url: String { "ws://127.0.0.1:\(port)/websocket/v1" }

    /// Starts `ticktape serve` and waits (at most 30 s) for its `serving … on ws://…` line.
    init(tape: String, _ flags: [String]) async throws {
        child = try ChildProcess(ticktape: ["serve", tape, "--port", "0"] + flags)
        let prefix = "serving \(tape) on ws://127.0.0.1:"
        let line = await child.firstLine(seconds: 30) ?? ""
        let port = line.hasPrefix(prefix) ? Int(line.dropFirst(prefix.count).prefix { $0.isNumber }) ?? 0 : 0
        guard port > 0 else {
            child.kill()
            throw ServeTestError("no 'serving … on ws://' line; stdout: \(child.stdout)")
        }
        self.port = port
    }

    var text: String { child.stdout }

    /// Sends `signal`, waits at most 10 s for the exit (then SIGKILL); returns status and stdout.
    func stop(signal: Int32) async -> (status: Int32, stdout: String) {
        child.send(signal)
        if !(await child.wait(seconds: 10)) {
            child.kill()
            _ = await child.wait(seconds: 5)
        }
        return (child.status, child.stdout)
    }

    /// SIGKILL if still running.
    func kill() { child.kill() }

    /// `GET /status` as a JSON object (nil when it cannot be had).
    func status() -> [String: Any]? {
        guard let response = try? loopbackGet(port: self.port, path: "/status"),
            let body = response.components(separatedBy: "\r\n\r\n").last,
            let object = try? JSONSerialization.jsonObject(with: Data(body.utf8))
        else { return nil }
        return object as? [String: Any]
    }
}

/// One HTTP/1.1 GET over a plain loopback socket (Foundation's URL loading is not used on
/// Linux); returns the whole response, read until the server closes (at most 10 s).
func loopbackGet(port: Int, path: String) throws -> String {
    try loopbackGets(port: port, path: path, count: 1)[0]
}

/// ``loopbackGets(port:path:count:)`` on a thread of its own: a burst's blocking reads never hold
/// one of the few threads Swift's cooperative pool (every test's async work) has.
func loopbackGetsOffPool(port: Int, path: String, count: Int) async throws -> [String] {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread {
            continuation.resume(with: Result { try loopbackGets(port: port, path: path, count: count) })
        }
    }
}

/// `count` GETs of `path` at once: every connection is opened and its request sent before any
/// answer is read, so the server meets them together however busy the machine is.
func loopbackGets(port: Int, path: String, count: Int) throws -> [String] {
    var sockets: [Int32] = []
    defer { for fd in sockets { close(fd) } }
    for _ in 0..<count { sockets.append(try loopbackRequest(port: port, path: path)) }
    return sockets.map(readResponse)
}

/// A connected socket with `GET path` sent on it.
private func loopbackRequest(port: Int, path: String) throws -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw POSIXError(.EIO) }
    var timeout = timeval(tv_sec: 10, tv_usec: 0)
    _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
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
        throw POSIXError(.ECONNREFUSED)
    }
    let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8)
    _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
    return fd
}

/// Everything the server sends on `fd` until it closes (at most 10 s of silence).
private func readResponse(_ fd: Int32) -> String {
    var response: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        // A signal (a debugger's stop, for one) interrupts a recv with a timeout: read on.
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { break }
        response.append(contentsOf: buffer[0..<n])
    }
    return String(decoding: response, as: UTF8.self)
}

struct ServeTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs `ticktape ARGS` and throws unless it exits 0.
func ticktapeOK(_ arguments: [String]) async throws {
    let result = try await runTicktape(arguments)
    guard result.status == 0 else {
        throw ServeTestError("ticktape \(arguments.joined(separator: " ")): exit \(result.status): \(result.stderr)")
    }
}

/// One inbound market frame of a tape, in arrival order.
struct TapeMessage: Equatable {
    var epoch: UInt32
    var type: String
    var streamType: StreamType?
    var code: String?
    var payload: [UInt8]
}

/// The inbound Upbit market frames of a tape in ARRIVAL order (what serve replays), with the
/// number of epochs (connect events).
func marketMessages(of path: String, codes: Set<String>? = nil) throws -> (messages: [TapeMessage], epochs: Int) {
    let reader = try TapeReader(path: path)
    let cursor = try reader.arrivals()
    var messages: [TapeMessage] = []
    var epochs = 0
    while let entry = try cursor.next() {
        switch entry {
        case .event(let event):
            if event.kind == .connect { epochs += 1 }
        case .frame(let frame):
            let record = frame.record
            guard record.direction == .inbound, record.opcode.isData,
                let type = frame.facts.type, UpbitScanner.isMarketType(type)
            else { continue }
            if let codes, !(frame.facts.code.map(codes.contains) ?? false) { continue }
            messages.append(
                TapeMessage(
                    epoch: record.epoch,
                    type: type,
                    streamType: frame.facts.streamType,
                    code: frame.facts.code,
                    payload: record.payload
                )
            )
        }
    }
    return (messages, epochs)
}

/// Polls `condition` every 20 ms for at most `seconds`; false when time ran out.
func waitUntil(seconds: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while !condition() {
        guard Date() < deadline else { return false }
        Thread.sleep(forTimeInterval: 0.02)
    }
    return true
}

/// Async variant of ``waitUntil(seconds:_:)``.
func waitUntil(seconds: Double, _ condition: () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while await !condition() {
        guard ContinuousClock.now < deadline else { return false }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return true
}
