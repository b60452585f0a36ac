import Foundation
import Synchronization

/// The only writer to stdout and stderr: normal lines, errors and the status line of a long
/// command (progress, `record`'s live status), all behind one lock, so that they never
/// interleave mid-line — whichever thread writes.
///
/// stdout is buffered for bulk output (written at ``flush()`` or every 64 KiB). The status
/// line lives on stderr, only when stderr is a terminal, and is rewritten in place (`\r`, then
/// erase to the end of the line); any other output first erases it and then draws it again
/// below, so a line never ends up glued to a half-drawn status.
final class Console: Sendable {
    /// The process's console: file descriptors 1 and 2.
    static let standard = Console()

    /// Whether a status line is shown: stderr is a terminal.
    let showsStatus: Bool
    private let sink: @Sendable (_ fd: Int32, _ bytes: [UInt8]) -> Void
    private let state = Mutex(State())

    private struct State {
        var buffer: [UInt8] = []
        /// The status line on screen now, if any.
        var status: String?
    }

    /// A console writing through `sink` (tests capture what would reach each descriptor);
    /// status lines only when `showsStatus`.
    init(
        showsStatus: Bool = isatty(2) == 1,
        sink: @escaping @Sendable (_ fd: Int32, _ bytes: [UInt8]) -> Void = Console.writeAll
    ) {
        self.showsStatus = showsStatus
        self.sink = sink
    }

    /// One line to stdout (buffered).
    func out(_ line: String) {
        state.withLock { state in
            state.buffer.append(contentsOf: line.utf8)
            state.buffer.append(0x0A)
            if state.buffer.count >= 1 << 16 { flush(&state) }
        }
    }

    /// Writes what stdout has buffered.
    func flush() {
        state.withLock { flush(&$0) }
    }

    /// One error line on stderr, `ticktape: ` first, after what stdout has buffered.
    func error(_ line: String) {
        state.withLock { state in
            flush(&state)
            aside(state.status) { sink(2, Array("ticktape: \(line)\n".utf8)) }
        }
    }

    /// Shows `line` as the status line, replacing the one shown; nothing when stderr is not a
    /// terminal.
    func status(_ line: String) {
        guard showsStatus else { return }
        state.withLock { state in
            state.status = line
            sink(2, Self.drawn(line))
        }
    }

    /// Erases the status line, if one is shown.
    func clearStatus() {
        state.withLock { state in
            guard state.status != nil else { return }
            state.status = nil
            sink(2, Self.erase)
        }
    }

    private func flush(_ state: inout State) {
        guard !state.buffer.isEmpty else { return }
        aside(state.status) { sink(1, state.buffer) }
        state.buffer.removeAll(keepingCapacity: true)
    }

    /// Runs `write` with the status line (if any) erased before and drawn again after.
    private func aside(_ status: String?, _ write: () -> Void) {
        guard let status else { return write() }
        sink(2, Self.erase)
        write()
        sink(2, Self.drawn(status))
    }

    /// Carriage return, then ANSI "erase in line" (CSI K): the cursor's line is blank again.
    private static let erase = Array("\r\u{1B}[K".utf8)

    private static func drawn(_ line: String) -> [UInt8] { Array("\r\(line)\u{1B}[K".utf8) }

    /// Writes all of `bytes` to `fd`, going on after short writes; gives up on an error.
    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n <= 0 { break }
                offset += n
            }
        }
    }
}

extension Console {
    /// ``out(_:)`` on the process's console.
    static func out(_ line: String) { standard.out(line) }
    /// ``flush()`` on the process's console.
    static func flush() { standard.flush() }
    /// ``error(_:)`` on the process's console.
    static func error(_ line: String) { standard.error(line) }
    /// ``status(_:)`` on the process's console.
    static func status(_ line: String) { standard.status(line) }
    /// ``clearStatus()`` on the process's console.
    static func clearStatus() { standard.clearStatus() }
    /// Whether the process's console shows a status line (stderr is a terminal).
    static var showsStatus: Bool { standard.showsStatus }
}
