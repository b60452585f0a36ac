import Foundation
import Primitives
import TapeLog
import Upbit

/// Test support shared by the test targets: temp dirs, seeded randomness, sample tapes.

/// This test process's own directory under the system temp dir, created on first use and removed
/// with everything in it when the process exits: a test run leaves nothing behind in /tmp (it
/// used to leave ~150 MB of tapes per run), whether or not each test cleans up after itself.
private let testRoot: String = {
    let root = "\(FileManager.default.temporaryDirectory.path)/ticktape-tests-\(getpid())"
    try? FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    atexit {
        try? FileManager.default.removeItem(
            atPath: "\(FileManager.default.temporaryDirectory.path)/ticktape-tests-\(getpid())"
        )
    }
    return root
}()

/// A fresh directory in this test process's temp root (removed at exit; earlier by the caller
/// when it wants).
public func temporaryDirectory(_ name: String = #function) -> String {
    let dir = "\(testRoot)/\(UUID().uuidString.prefix(8))"
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

/// Seeded test data on the project's one generator (``SplitMix64``).
public struct TestRandom {
    private var generator: SplitMix64
    public init(state: UInt64) { generator = SplitMix64(seed: state) }
    public mutating func next() -> UInt64 { generator.next() }
    public mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) } }
    public mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

/// Writes a tape of `epochs` connections with `framesPerEpoch` frames each, mixing JSON text,
/// binary, control and empty payloads; returns what was written in order.
@discardableResult
public func writeSampleTape(
    at path: String,
    epochs: Int = 3,
    framesPerEpoch: Int = 200,
    seed: UInt64 = 1,
    end: Bool = true,
    options: WriterOptions = WriterOptions()
) throws -> [TapeEntry] {
    var random = TestRandom(state: seed)
    let session = SessionInfo(
        toolVersion: "test",
        url: "ws://user:secret@127.0.0.1:1/websocket/v1?token=x",
        subscription: #"[{"ticket":"t"},{"type":"trade","codes":["KRW-BTC"]}]"#,
        startedNs: 1_700_000_000_000_000_000
    )
    let writer = try TapeWriter(path: path, session: session, profile: UpbitProfile(), options: options)
    var stamper = Stamper()
    var written: [TapeEntry] = []
    var mono: Int64 = 0
    for _ in 0..<epochs {
        mono += 1_000_000
        let connect = stamper.connect(wallNs: 1_700_000_000_000_000_000 + mono, monoNs: mono)
        try writer.record(connect)
        written.append(.event(connect))
        for i in 0..<framesPerEpoch {
            mono += Int64(random.below(3_000_000))
            let payload: [UInt8]
            let opcode: FrameOpcode
            let direction: Direction = i == 0 ? .outbound : .inbound
            switch random.below(10) {
            case 0: (opcode, payload) = (FrameOpcode.ping, [])
            case 1: (opcode, payload) = (FrameOpcode.binary, random.bytes(random.below(300)))
            case 2: (opcode, payload) = (FrameOpcode.text, Array("héllo \"quoted\" \\ \n\t\u{1}".utf8))
            default:
                let price = 100_000_000 + random.below(1_000_000)
                let json =
                    #"{"type":"trade","code":"KRW-BTC","timestamp":\#(1_730_336_862_000 + i),"#
                    + #""trade_price":\#(price).0,"sequential_id":1730336862047\#(i),"stream_type":"REALTIME"}"#
                (opcode, payload) = (FrameOpcode.binary, Array(json.utf8))
            }
            let frame = stamper.frame(
                direction,
                opcode: opcode,
                wallNs: 1_700_000_000_000_000_000 + mono,
                monoNs: mono,
                payload: payload
            )
            try writer.append(frame)
            written.append(.frame(TapeFrame(record: frame, facts: .init())))
        }
        let disconnect = stamper.event(
            .disconnect,
            wallNs: 1_700_000_000_000_000_000 + mono,
            monoNs: mono,
            closeCode: 1006
        )
        try writer.record(disconnect)
        written.append(.event(disconnect))
    }
    if end {
        let sessionEnd = stamper.event(.sessionEnd, wallNs: 1_700_000_000_000_000_000 + mono, monoNs: mono)
        try writer.record(sessionEnd)
        written.append(.event(sessionEnd))
    }
    try writer.close()
    return written
}

/// Runs the stock sqlite3 shell on a file; returns (status, stdout and stderr). Output goes
/// through a file, not a pipe (see ``ChildProcess``); sqlite3 is quick, so this waits in place,
/// but bounded (60 s, then killed and thrown): never `waitUntilExit`, whose wait has no end if
/// the exit is missed, and a blocked pool thread stalls every test.
public func sqlite3(_ path: String, _ sql: String) throws -> (Int32, String) {
    let child = try ChildProcess(executable: "/usr/bin/sqlite3", [path, sql])
    guard child.waitBlocking(seconds: 60) else {
        throw ChildProcessTimeout(arguments: [path, sql], seconds: 60, stderr: child.stderr)
    }
    return (child.status, child.stdout + child.stderr)
}
