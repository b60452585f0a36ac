import CZlib
import Foundation
import TapeLog

/// `ticktape bench verify`: the payload proof of `ticktape verify` (every block inflated to its
/// `raw_len` and its CRC-32 compared, through TapeLog's verifier) against plain zlib inflate of
/// the same blocks read the same way, in the same run.
///
/// Both read the blocks with one `SELECT … FROM block ORDER BY id` on the tape's own connection
/// and inflate each into one reused buffer, so the ratio prices what the proof adds to inflating:
/// the range checks and the CRC-32. Figures are frames per second (the tape's frames over the
/// time) and raw megabytes per second (inflated bytes, 10^6 bytes).
public struct VerifyBench: Sendable {
    /// One phase: medians over the repetitions.
    public struct Phase: Sendable, Encodable {
        /// Wall time.
        public var seconds: Double
        /// CPU time (user + sys, all threads).
        public var cpuSeconds: Double
        /// The tape's frames over wall time.
        public var framesPerSecond: Double
        /// Raw (inflated) megabytes over wall time.
        public var megabytesPerSecond: Double
    }

    /// Figures of one run.
    public struct Result: Sendable, Encodable {
        /// Frames in the generated tape.
        public var frames: Int
        /// Payload blocks in it.
        public var blocks: Int64
        /// Raw payload bytes in its blocks.
        public var rawBytes: Int64
        /// Bytes as stored (deflated).
        public var storedBytes: Int64
        /// Repetitions the medians are over.
        public var repetitions: Int
        /// 1-minute load average when the measurement started.
        public var loadAverage: Double
        /// What the proof figure measures.
        public var proofIncludes: String
        /// The payload proof, as `ticktape verify` runs it.
        public var proof: Phase
        /// The baseline: zlib inflate of the same blocks.
        public var inflate: Phase
        /// proof / inflate throughput (wall time): the figure the benchmark is judged by.
        public var ratio: Double
        /// inflate CPU / proof CPU: the same ratio in CPU time, steadier under load.
        public var cpuRatio: Double
        /// The ratio the proof is meant to keep at least.
        public var goal: Double
    }

    /// Frames to generate (at 10k msg/s).
    public var frames: Int
    /// Markets in the generated feed.
    public var markets: Int
    /// Seed of the generated feed.
    public var seed: UInt64
    /// Repetitions of every phase; figures are medians.
    public var repetitions: Int
    /// Written into the generated tape's session row.
    public var toolVersion: String

    /// A run over `frames` generated frames of `markets` markets.
    public init(frames: Int, markets: Int, seed: UInt64, repetitions: Int = 3, toolVersion: String) {
        self.frames = frames
        self.markets = markets
        self.seed = seed
        self.repetitions = repetitions
        self.toolVersion = toolVersion
    }

    /// Writes the tape in the temporary directory, measures both phases, removes the tape.
    /// Throws ``TapeError`` for the tape's failures and ``BenchError`` for anything else.
    public func run() throws -> Result {
        try BenchError.wrapping {
            let dir = FileManager.default.temporaryDirectory.path
            let path = "\(dir)/bench-verify-\(getpid()).tape"
            defer { for s in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + s) } }
            _ = try SyntheticTape.write(
                path: path,
                seconds: Double(frames) / 10_000,
                rate: 10_000,
                symbols: markets,
                seed: seed,
                format: .default,
                eventClockFollowsRate: true,
                toolVersion: toolVersion
            )
            return try measure(path: path)
        }
    }

    private func measure(path: String) throws -> Result {
        var load = [0.0]
        _ = getloadavg(&load, 1)
        let reader = try TapeReader(path: path)
        let frameCount = try reader.frameCount()
        var proofRuns: [(wall: Double, cpu: Double)] = []
        var inflateRuns: [(wall: Double, cpu: Double)] = []
        var proven: (blocks: Int64, rawBytes: Int64) = (0, 0)
        var inflated: (blocks: Int64, rawBytes: Int64, storedBytes: Int64) = (0, 0, 0)
        for _ in 0..<max(1, repetitions) {
            inflateRuns.append(try timed { inflated = try Self.inflateAll(TapeReader(path: path)) })
            proofRuns.append(try timed { proven = try TapeVerifier.provePayloads(TapeReader(path: path)) })
        }
        guard proven.blocks == inflated.blocks, proven.rawBytes == inflated.rawBytes else {
            throw BenchError(
                "the proof saw \(proven.blocks) blocks (\(proven.rawBytes) bytes), inflate \(inflated.blocks) "
                    + "(\(inflated.rawBytes) bytes)"
            )
        }
        func phase(_ runs: [(wall: Double, cpu: Double)]) -> Phase {
            let wall = median(runs.map(\.wall))
            return Phase(
                seconds: wall,
                cpuSeconds: median(runs.map(\.cpu)),
                framesPerSecond: Double(frameCount) / wall,
                megabytesPerSecond: Double(proven.rawBytes) / 1e6 / wall
            )
        }
        let proof = phase(proofRuns)
        let inflate = phase(inflateRuns)
        return Result(
            frames: frameCount,
            blocks: proven.blocks,
            rawBytes: proven.rawBytes,
            storedBytes: inflated.storedBytes,
            repetitions: max(1, repetitions),
            loadAverage: load[0],
            proofIncludes: "read every block, inflate it to exactly its raw_len, compare its CRC-32 (format 2); "
                + "the baseline reads and inflates the same blocks, nothing else",
            proof: proof,
            inflate: inflate,
            ratio: inflate.seconds / proof.seconds,
            cpuRatio: inflate.cpuSeconds / proof.cpuSeconds,
            goal: 0.5
        )
    }

    /// The baseline: every block of the tape read in id order and inflated with zlib (raw
    /// deflate) into one reused buffer; stored blocks are copied, as the proof copies them.
    static func inflateAll(_ reader: TapeReader) throws -> (blocks: Int64, rawBytes: Int64, storedBytes: Int64) {
        var stream = z_stream()
        guard czlib_inflateInit2(&stream, -15) == Z_OK else { throw BenchError("inflateInit2 failed") }
        defer { inflateEnd(&stream) }
        var buffer: [UInt8] = []
        var totals: (blocks: Int64, rawBytes: Int64, storedBytes: Int64) = (0, 0, 0)
        try reader.withDatabase { db throws(SQLiteError) in
            let blocks = try db.prepare("SELECT codec, raw_len, data FROM block ORDER BY id")
            while try blocks.step() {
                let rawLength = Int(blocks.int64(1))
                let data = blocks.blob(2)
                if buffer.count != rawLength {
                    buffer.removeAll(keepingCapacity: true)
                    buffer.append(contentsOf: repeatElement(0, count: rawLength))
                }
                if blocks.int64(0) == 1 {
                    inflateReset(&stream)
                    buffer.withUnsafeMutableBytes { out in
                        stream.next_in = UnsafeMutablePointer(
                            mutating: data.baseAddress?.assumingMemoryBound(to: Bytef.self)
                        )
                        stream.avail_in = uInt(data.count)
                        stream.next_out = out.baseAddress?.assumingMemoryBound(to: Bytef.self)
                        stream.avail_out = uInt(out.count)
                        _ = CZlib.inflate(&stream, Z_FINISH)
                    }
                } else {
                    buffer.withUnsafeMutableBytes { out in out.copyMemory(from: data) }
                }
                totals.blocks += 1
                totals.rawBytes += Int64(rawLength)
                totals.storedBytes += Int64(data.count)
            }
        }
        return totals
    }
}
