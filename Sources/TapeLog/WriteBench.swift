import Foundation

/// `ticktape bench write`: the full record path against a plain prepared INSERT of the same
/// raw frames, measured in the same run on the same machine (SPEC §13).
public enum WriteBench {
    /// Figures of one run.
    public struct Result: Sendable, Encodable {
        public var frames: Int
        public var rawPayloadBytes: Int64
        /// Full path: stamp, extract, compress, insert, group commit (writer thread).
        public var fullFramesPerSecond: Double
        /// Baseline: one prepared INSERT of (epoch, seq, payload) per frame, same commit size, same sync.
        public var baselineFramesPerSecond: Double
        /// full / baseline.
        public var ratio: Double
        /// Compressed payload bytes / raw payload bytes.
        public var storedPayloadFraction: Double
        /// Whole tape file (after checkpoint) / raw payload bytes: rows, facts and pages included.
        public var fileFraction: Double
        /// Baseline file / raw payload bytes.
        public var baselineFileFraction: Double
    }

    /// Runs both paths over `payloads` in `directory` (files are removed afterwards).
    public static func run(
        payloads: [[UInt8]],
        directory: String,
        options: WriterOptions = WriterOptions()
    ) throws
        -> Result
    {
        let raw = payloads.reduce(Int64(0)) { $0 + Int64($1.count) }
        let fullPath = directory + "/bench-full-\(getpid()).tape"
        let basePath = directory + "/bench-baseline-\(getpid()).sqlite"
        defer {
            for p in [fullPath, basePath] {
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: p + suffix) }
            }
        }
        let baselineSeconds = try baseline(payloads, path: basePath, options: options)
        let start = DispatchTime.now().uptimeNanoseconds
        let writer = try TapeWriter(
            path: fullPath,
            session: SessionInfo(toolVersion: "bench", url: "bench://write", startedNs: 0, sync: options.sync),
            options: options
        )
        var stamper = Stamper()
        try writer.record(stamper.connect(wallNs: 0, monoNs: 0))
        let t0 = Int64(Date().timeIntervalSince1970 * 1e9)
        for (i, payload) in payloads.enumerated() {
            let mono = Int64(i) * 10_000
            try writer.append(
                stamper.frame(.inbound, opcode: Opcode.binary, wallNs: t0 + mono, monoNs: mono, payload: payload)
            )
        }
        try writer.record(stamper.event(.sessionEnd, wallNs: t0, monoNs: Int64(payloads.count) * 10_000))
        let stats = try writer.close()
        let fullSeconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let fileSize = (try FileManager.default.attributesOfItem(atPath: fullPath)[.size] as? Int64) ?? 0
        let baseSize = (try FileManager.default.attributesOfItem(atPath: basePath)[.size] as? Int64) ?? 0
        let full = Double(payloads.count) / fullSeconds
        let base = Double(payloads.count) / baselineSeconds
        return Result(
            frames: payloads.count,
            rawPayloadBytes: raw,
            fullFramesPerSecond: full,
            baselineFramesPerSecond: base,
            ratio: full / base,
            storedPayloadFraction: Double(stats.storedBytes) / Double(max(raw, 1)),
            fileFraction: Double(fileSize) / Double(max(raw, 1)),
            baselineFileFraction: Double(baseSize) / Double(max(raw, 1))
        )
    }

    private static func baseline(_ payloads: [[UInt8]], path: String, options: WriterOptions) throws -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        let db = try Database(path: path, create: true)
        try db.execute("PRAGMA journal_mode=WAL")
        try db.execute("PRAGMA synchronous=\(options.sync == .full ? "FULL" : "NORMAL")")
        try db.execute(
            "CREATE TABLE raw (epoch INTEGER, seq INTEGER, payload BLOB, PRIMARY KEY (epoch, seq)) WITHOUT ROWID"
        )
        let insert = try db.prepare("INSERT INTO raw (epoch, seq, payload) VALUES (1, ?, ?)")
        try db.execute("BEGIN")
        for (i, payload) in payloads.enumerated() {
            insert.bind(1, Int64(i + 1))
            payload.withUnsafeBytes { insert.bind(2, blob: $0) }
            try insert.step()
            insert.reset()
            if (i + 1) % options.commitFrames == 0 {
                try db.execute("COMMIT")
                try db.execute("BEGIN")
            }
        }
        try db.execute("COMMIT")
        try db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
}
