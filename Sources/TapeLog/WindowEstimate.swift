import Exchange

extension TapeReader {
    /// About how many data frames one window of `windowMs` event time holds on this tape, from
    /// a few index seeks per epoch (no scan): the epoch's frames with an event time, and their
    /// density between the frames at 5 % and 95 % of the epoch (so that the snapshots a
    /// connection opens with, stamped with older times, do not stretch the span). The estimate
    /// is the tape's frames at that density over one window, never more than the frames there are.
    ///
    /// For sizing only: R3's and C1's tables hold about this many keys at their fullest, and
    /// allocating them once at that size spares the rebuilds (and the page zeroing) of growing
    /// there from small. A wrong estimate costs time or memory, never a different result.
    /// The largest estimate ``windowFrameEstimate(windowMs:)`` returns (8 Mi frames): a window
    /// of a busy feed holds well under a million.
    public static let maxWindowEstimate = 1 << 23

    public func windowFrameEstimate(windowMs: Int64) throws(TapeError) -> Int {
        do {
            let nextEpoch = try db.prepare("SELECT epoch FROM frame_facts WHERE epoch > ? ORDER BY epoch LIMIT 1")
            let atOrAfter = try db.prepare(
                "SELECT seq, event_ms FROM frame_facts WHERE epoch = ?1 AND seq >= ?2 AND event_ms IS NOT NULL "
                    + "ORDER BY seq LIMIT 1"
            )
            let last = try db.prepare(
                "SELECT seq, event_ms FROM frame_facts WHERE epoch = ? AND event_ms IS NOT NULL ORDER BY seq DESC LIMIT 1"
            )
            func point(_ epoch: Int64, _ seq: Int64) throws -> (seq: Int64, ms: Int64)? {
                atOrAfter.reset()
                atOrAfter.bind(1, epoch)
                atOrAfter.bind(2, seq)
                return try atOrAfter.step() ? (atOrAfter.int64(0), Self.milliseconds(atOrAfter.int64(1))) : nil
            }
            var frames = 0.0
            var spanMs = 0.0
            var epoch: Int64 = -1
            while true {
                nextEpoch.reset()
                nextEpoch.bind(1, epoch)
                guard try nextEpoch.step() else { break }
                // Strictly increasing, or the scan is over: a damaged row whose epoch is not an
                // integer (a REAL beyond Int64, read back as Int64.max) would match again forever.
                guard nextEpoch.int64(0) > epoch else { break }
                epoch = nextEpoch.int64(0)
                last.reset()
                last.bind(1, epoch)
                guard let first = try point(epoch, Int64.min), try last.step() else { continue }
                let end = (seq: last.int64(0), ms: Self.milliseconds(last.int64(1)))
                let count = Double(max(0, end.seq &- first.seq) &+ 1)
                frames += count
                // The density between the 5 % and 95 % points, applied to the whole epoch.
                let margin = (end.seq &- first.seq) / 20
                guard margin > 0, let p = try point(epoch, first.seq &+ margin),
                    let q = try point(epoch, end.seq &- margin), q.seq > p.seq
                else {
                    spanMs += Double(max(0, end.ms &- first.ms))
                    continue
                }
                spanMs += Double(max(0, q.ms &- p.ms)) * count / Double(q.seq &- p.seq)
            }
            // Seqs and times come from the file: a damaged one must not size a table beyond reason
            // (nor trap converting a Double out of Int's range).
            let limit = Double(Self.maxWindowEstimate)
            guard frames > 0, frames.isFinite else { return 0 }
            guard spanMs > Double(windowMs), windowMs >= 0, spanMs.isFinite else { return Int(min(frames, limit)) }
            return Int(min((frames * Double(windowMs) / spanMs).rounded(.up), limit))
        } catch {
            throw TapeFile.classify(error, path: path)
        }
    }

    /// A stored event time in milliseconds, whatever unit the exchange sent it in.
    private static func milliseconds(_ stored: Int64) -> Int64 { EventTimeUnit(of: stored).milliseconds(stored) }
}
