import CSQLite

/// What a tape holds, for `ticktape inspect`.
public struct InspectReport: Sendable, Encodable {
    /// One connection.
    public struct Epoch: Sendable, Encodable {
        public var epoch: UInt32
        public var startNs: Int64?
        public var endNs: Int64?
        public var closeCode: Int64?
        public var framesIn: Int64
        public var framesOut: Int64
    }
    /// Count of one (type, code) stream.
    public struct Stream: Sendable, Encodable {
        public var type: String
        public var code: String?
        public var count: Int64
    }
    public var path: String
    public var toolVersion: String
    public var url: String
    public var subscription: String?
    public var sync: String
    public var commitMs: Int64
    public var chaos: String?
    public var startedNs: Int64
    /// First and last frame wall times.
    public var firstRecvNs: Int64?
    public var lastRecvNs: Int64?
    public var frames: Int64
    public var events: Int64
    public var epochs: [Epoch]
    public var streams: [Stream]
    /// Payload bytes as received, and as stored in blocks.
    public var rawBytes: Int64
    public var storedBytes: Int64
    public var sessionEnded: Bool
}

/// Builds ``InspectReport`` from plain SQL over the tape (no payload is inflated).
public enum TapeInspector {
    public static func inspect(_ reader: TapeReader) throws(TapeError) -> InspectReport {
        do {
            let db = reader.db
            let events = try reader.events()
            var epochs: [UInt32: InspectReport.Epoch] = [:]
            let counts = try db.prepare("SELECT epoch, dir, count(*) FROM frame GROUP BY epoch, dir")
            while try counts.step() {
                let place = "frames of epoch \(counts.int64(0))"
                let e = try RowChecks.epoch(counts.int64(0), path: reader.path, at: place)
                let dir = try RowChecks.inRange(counts.int64(1), 0...1, column: "dir", path: reader.path, at: place)
                var entry = epochs[e] ?? .init(epoch: e, framesIn: 0, framesOut: 0)
                if dir == 0 { entry.framesIn = counts.int64(2) } else { entry.framesOut = counts.int64(2) }
                epochs[e] = entry
            }
            for event in events where event.epoch > 0 {
                var entry = epochs[event.epoch] ?? .init(epoch: event.epoch, framesIn: 0, framesOut: 0)
                switch event.kind {
                case .connect: entry.startNs = event.wallNs
                case .disconnect:
                    entry.endNs = event.wallNs
                    entry.closeCode = event.closeCode
                case .sessionEnd: entry.endNs = entry.endNs ?? event.wallNs
                default: break
                }
                epochs[event.epoch] = entry
            }
            var streams: [InspectReport.Stream] = []
            let byStream = try db.prepare(
                """
                SELECT s.type, s.code, count(*) FROM frame_facts AS x JOIN stream AS s ON s.id = x.stream
                GROUP BY s.type, s.code ORDER BY s.type, s.code
                """
            )
            while try byStream.step() {
                streams.append(
                    .init(type: byStream.string(0) ?? "", code: byStream.string(1), count: byStream.int64(2))
                )
            }
            // total() and not sum(): sum() fails on an integer overflow, and a damaged length must be
            // reported as such, not as an SQLite failure. The time sums turn REAL when they overflow.
            let range = try db.prepare(
                """
                SELECT min(mono_ns + recv_off), max(mono_ns + recv_off), count(*), total(length),
                       min(mono_ns), max(mono_ns), min(length), max(length)
                FROM frame
                """
            )
            try range.step()
            let frameCount = range.int64(2)
            if frameCount > 0 {
                let place = "frame"
                _ = try RowChecks.monoNs(range.int64(4), path: reader.path, at: place)
                _ = try RowChecks.monoNs(range.int64(5), path: reader.path, at: place)
                _ = try RowChecks.inRange(
                    range.int64(6),
                    0...RowChecks.maxRawLength,
                    column: "length",
                    path: reader.path,
                    at: place
                )
                _ = try RowChecks.inRange(
                    range.int64(7),
                    0...RowChecks.maxRawLength,
                    column: "length",
                    path: reader.path,
                    at: place
                )
            }
            // recv_ns = started_ns + mono_ns + recv_off modulo 2^64, as the writer stored it. SQLite's
            // sums turn REAL when they leave Int64's range: then the times are taken row by row.
            var firstRecvNs: Int64?
            var lastRecvNs: Int64?
            if frameCount > 0 {
                let started = reader.session.startedNs
                if sqlite3_column_type(range.handle, 0) == SQLITE_INTEGER,
                    sqlite3_column_type(range.handle, 1) == SQLITE_INTEGER
                {
                    firstRecvNs = started &+ range.int64(0)
                    lastRecvNs = started &+ range.int64(1)
                } else {
                    let rows = try db.prepare("SELECT mono_ns, recv_off FROM frame")
                    while try rows.step() {
                        let recv = started &+ rows.int64(0) &+ rows.int64(1)
                        firstRecvNs = min(firstRecvNs ?? recv, recv)
                        lastRecvNs = max(lastRecvNs ?? recv, recv)
                    }
                }
            }
            return InspectReport(
                path: reader.path,
                toolVersion: reader.session.toolVersion,
                url: reader.session.url,
                subscription: reader.session.subscription,
                sync: reader.session.sync.rawValue,
                commitMs: reader.session.commitMs,
                chaos: reader.session.chaos,
                startedNs: reader.session.startedNs,
                firstRecvNs: firstRecvNs,
                lastRecvNs: lastRecvNs,
                frames: frameCount,
                events: Int64(events.count),
                epochs: epochs.values.sorted { $0.epoch < $1.epoch },
                streams: streams,
                rawBytes: Int64(range.double(3)),
                storedBytes: try db.scalarInt("SELECT coalesce(sum(length(data)), 0) FROM block") ?? 0,
                sessionEnded: events.contains { $0.kind == .sessionEnd }
            )
        } catch let error as TapeError {
            throw error
        } catch {
            throw TapeFile.classify(error, path: reader.path)
        }
    }
}
