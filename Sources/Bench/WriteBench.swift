import Exchange
import Foundation
import TapeLog

/// `ticktape bench write`: the full record path against a plain prepared INSERT of the same
/// raw frames, measured in the same run on the same machine.
///
/// The baseline is the cheapest honest way to keep the frames: a rowid table
/// `raw (id INTEGER PRIMARY KEY, epoch, seq, payload BLOB)`, one prepared INSERT per frame, on a
/// connection configured exactly like a tape's (WAL, the same `synchronous`, page size, cache
/// and checkpoint settings), committing as many frames per transaction as the full path did on
/// average in the same repetition. So the ratio prices only what the record path adds (stamping,
/// extraction, compression, its rows and facts), not a different storage setup.
public enum WriteBench {
    /// Figures of one run (medians over the repetitions).
    public struct Result: Sendable, Encodable {
        public var frames: Int
        public var rawPayloadBytes: Int64
        /// Repetitions; each runs the full path, then the baseline.
        public var repetitions: Int
        /// Full path: stamp, extract, compress, insert, group commit. Median over repetitions.
        public var fullFramesPerSecond: Double
        /// Baseline (see ``WriteBench``). Median over repetitions.
        public var baselineFramesPerSecond: Double
        /// Median of each repetition's full / baseline.
        public var ratio: Double
        /// Every repetition's figures, in order.
        public var fullRuns: [Double]
        public var baselineRuns: [Double]
        /// Frames per transaction of the full path (its group commit), which the baseline copies.
        public var framesPerCommit: Int
        /// Compressed payload bytes / raw payload bytes.
        public var storedPayloadFraction: Double
        /// Whole tape file (after checkpoint) / raw payload bytes: rows, facts and pages included.
        public var fileFraction: Double
        /// Whole tape file minus the compressed payloads, per frame: what rows, facts and B-tree
        /// pages cost.
        public var overheadBytesPerFrame: Double
        /// Baseline file / raw payload bytes.
        public var baselineFileFraction: Double
        /// The baseline, in words.
        public var baseline: String
        /// The files, when kept (`keep: true`).
        public var tapePath: String?
        public var baselinePath: String?
    }

    /// Runs both paths over `payloads` in `directory`, `repetitions` times. Files are removed
    /// afterwards unless `keep` (then the last repetition's files stay).
    public static func run(
        payloads: [[UInt8]],
        directory: String,
        profile: any ExchangeProfile,
        options: WriterOptions = WriterOptions(),
        repetitions: Int = 1,
        keep: Bool = false
    ) throws -> Result {
        let raw = payloads.reduce(Int64(0)) { $0 + Int64($1.count) }
        let fullPath = directory + "/bench-full-\(getpid()).tape"
        let basePath = directory + "/bench-baseline-\(getpid()).sqlite"
        func remove() {
            for p in [fullPath, basePath] {
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: p + suffix) }
            }
        }
        var fullRuns: [Double] = []
        var baseRuns: [Double] = []
        var ratios: [Double] = []
        var stats = WriterStats()
        var framesPerCommit = options.commitFrames
        var fileSize: Int64 = 0
        var baseSize: Int64 = 0
        for _ in 0..<max(1, repetitions) {
            remove()
            let (fullSeconds, runStats) = try full(payloads, path: fullPath, profile: profile, options: options)
            stats = runStats
            framesPerCommit = max(1, Int((Double(payloads.count) / Double(max(stats.commits, 1))).rounded()))
            let baseSeconds = try baseline(payloads, path: basePath, options: options, commitEvery: framesPerCommit)
            fullRuns.append(Double(payloads.count) / fullSeconds)
            baseRuns.append(Double(payloads.count) / baseSeconds)
            ratios.append(baseSeconds / fullSeconds)
            fileSize = Self.size(fullPath)
            baseSize = Self.size(basePath)
        }
        if !keep { remove() }
        let rawBytes = Double(max(raw, 1))
        return Result(
            frames: payloads.count,
            rawPayloadBytes: raw,
            repetitions: fullRuns.count,
            fullFramesPerSecond: median(fullRuns),
            baselineFramesPerSecond: median(baseRuns),
            ratio: median(ratios),
            fullRuns: fullRuns,
            baselineRuns: baseRuns,
            framesPerCommit: framesPerCommit,
            storedPayloadFraction: Double(stats.storedBytes) / rawBytes,
            fileFraction: Double(fileSize) / rawBytes,
            overheadBytesPerFrame: Double(fileSize - stats.storedBytes) / Double(max(payloads.count, 1)),
            baselineFileFraction: Double(baseSize) / rawBytes,
            baseline: "rowid table raw(id INTEGER PRIMARY KEY, epoch, seq, payload BLOB), one prepared INSERT "
                + "per frame, \(framesPerCommit) frames per commit, tape connection settings, sync \(options.sync.rawValue)",
            tapePath: keep ? fullPath : nil,
            baselinePath: keep ? basePath : nil
        )
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }

    private static func size(_ path: String) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
    }

    /// The record path as the recorder drives it: stamp each frame with both clocks on the
    /// calling thread as it "arrives", append, close (which commits and checkpoints).
    private static func full(
        _ payloads: [[UInt8]],
        path: String,
        profile: any ExchangeProfile,
        options: WriterOptions
    ) throws -> (Double, WriterStats) {
        let start = monotonicNs()
        let startedNs = wallClockNs()
        let writer = try TapeWriter(
            path: path,
            session: SessionInfo(toolVersion: "bench", url: "bench://write", startedNs: startedNs, sync: options.sync),
            profile: profile,
            options: options
        )
        var stamper = Stamper()
        try writer.record(stamper.connect(wallNs: startedNs, monoNs: 0))
        for payload in payloads {
            let mono = Int64(monotonicNs() - start)
            try writer.append(
                stamper.frame(
                    .inbound,
                    opcode: FrameOpcode.binary,
                    wallNs: wallClockNs(),
                    monoNs: mono,
                    payload: payload
                )
            )
        }
        try writer.record(stamper.event(.sessionEnd, wallNs: wallClockNs(), monoNs: Int64(monotonicNs() - start)))
        let stats = try writer.close()
        return (Double(monotonicNs() - start) / 1e9, stats)
    }

    private static func baseline(
        _ payloads: [[UInt8]],
        path: String,
        options: WriterOptions,
        commitEvery: Int
    ) throws -> Double {
        let start = monotonicNs()
        let db = try Database(path: path, create: true)
        try db.applyTapeSettings(options)
        try db.execute(
            "CREATE TABLE raw (id INTEGER PRIMARY KEY, epoch INTEGER NOT NULL, seq INTEGER NOT NULL, payload BLOB NOT NULL)"
        )
        let insert = try db.prepare("INSERT INTO raw (epoch, seq, payload) VALUES (1, ?, ?)")
        let begin = try db.prepare("BEGIN")
        let commit = try db.prepare("COMMIT")
        try begin.step()
        begin.reset()
        for (i, payload) in payloads.enumerated() {
            insert.bind(1, Int64(i + 1))
            payload.withUnsafeBytes { insert.bind(2, blob: $0) }
            try insert.step()
            insert.reset()
            if (i + 1) % commitEvery == 0 {
                try commit.step()
                commit.reset()
                try begin.step()
                begin.reset()
            }
        }
        try commit.step()
        commit.reset()
        try db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return Double(monotonicNs() - start) / 1e9
    }
}
