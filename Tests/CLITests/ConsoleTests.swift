import Foundation
import Testing

@testable import TicktapeCLI

/// ``Console`` is the only writer to stdout and stderr: a status line and normal lines written
/// from different threads must never end up on one line of a terminal showing both streams.
@Suite struct ConsoleTests {
    /// What a console wrote, in order, to each descriptor.
    private final class Captured: @unchecked Sendable {
        private let lock = NSLock()
        private var writes: [(fd: Int32, bytes: [UInt8])] = []

        func append(_ fd: Int32, _ bytes: [UInt8]) { lock.withLock { writes.append((fd, bytes)) } }

        var all: [(fd: Int32, bytes: [UInt8])] { lock.withLock { writes } }

        /// The lines a terminal showing both descriptors ends up with: `\r` returns to the
        /// start of the line, CSI K erases from the cursor, `\n` ends the line.
        var terminalLines: [String] {
            var lines: [String] = []
            var line: [UInt8] = []
            var cursor = 0
            let bytes = all.flatMap(\.bytes)
            var i = 0
            while i < bytes.count {
                switch bytes[i] {
                case 0x0D: cursor = 0
                case 0x0A:
                    lines.append(String(decoding: line, as: UTF8.self))
                    line = []
                    cursor = 0
                case 0x1B where i + 2 < bytes.count && bytes[i + 1] == 0x5B && bytes[i + 2] == 0x4B:
                    line.removeSubrange(min(cursor, line.count)...)
                    i += 2
                default:
                    if cursor < line.count { line[cursor] = bytes[i] } else { line.append(bytes[i]) }
                    cursor += 1
                }
                i += 1
            }
            return lines
        }
    }

    @Test func aLineWrittenWhileAStatusIsShownErasesItAndDrawsItAgainAfter() {
        let captured = Captured()
        let console = Console(showsStatus: true, sink: captured.append)
        console.status("check: 10 frames")
        console.out("result")
        console.flush()
        console.clearStatus()
        let writes = captured.all.map { "\($0.fd):" + String(decoding: $0.bytes, as: UTF8.self) }
        #expect(
            writes == [
                "2:\rcheck: 10 frames\u{1B}[K", "2:\r\u{1B}[K", "1:result\n", "2:\rcheck: 10 frames\u{1B}[K",
                "2:\r\u{1B}[K",
            ]
        )
        #expect(captured.terminalLines == ["result"])
    }

    @Test func withoutATerminalThereIsNoStatusLineAtAll() {
        let captured = Captured()
        let console = Console(showsStatus: false, sink: captured.append)
        console.status("recording: 5 frames/s")
        console.error("bad")
        console.clearStatus()
        #expect(captured.all.map(\.fd) == [2])
        #expect(captured.terminalLines == ["ticktape: bad"])
    }

    @Test func statusLinesAndNormalLinesFromManyThreadsNeverShareALine() async {
        let captured = Captured()
        let console = Console(showsStatus: true, sink: captured.append)
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for k in 0..<300 { console.status("recording: \(k) frames/s, epoch 1") }
            }
            group.addTask {
                for k in 0..<300 {
                    console.out("line \(k)")
                    if k % 3 == 0 { console.flush() }
                }
                console.flush()
            }
            group.addTask {
                for k in 0..<100 { console.error("error \(k)") }
            }
        }
        console.clearStatus()
        let lines = captured.terminalLines
        #expect(lines.filter { $0.hasPrefix("line ") } == (0..<300).map { "line \($0)" })
        #expect(lines.filter { $0.hasPrefix("ticktape: error ") } == (0..<100).map { "ticktape: error \($0)" })
        #expect(lines.count == 400, "nothing else: no status text left on a finished line")
    }
}
