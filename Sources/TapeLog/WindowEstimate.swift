extension TapeReader {
    /// About how many data frames one window of `windowMs` event time holds on this tape, from
    /// a few index seeks (no scan): per epoch, the first and last frame with an event time give
    /// a count and an event-time span; the estimate is the tape's frames at that density over
    /// one window, and never more than the frames there are.
    ///
    /// For sizing only: R3's and C1's tables hold about this many keys at their fullest, and
    /// allocating them once at that size spares the rebuilds (and the page zeroing) of growing
    /// there from small. A wrong estimate costs time or memory, never a different result.
    public func windowFrameEstimate(windowMs: Int64) throws(TapeError) -> Int {
        do {
            let nextEpoch = try db.prepare("SELECT epoch FROM frame_facts WHERE epoch > ? ORDER BY epoch LIMIT 1")
            let first = try db.prepare(
                "SELECT seq, event_ms FROM frame_facts WHERE epoch = ? AND event_ms IS NOT NULL ORDER BY seq LIMIT 1"
            )
            let last = try db.prepare(
                "SELECT seq, event_ms FROM frame_facts WHERE epoch = ? AND event_ms IS NOT NULL ORDER BY seq DESC LIMIT 1"
            )
            var frames: Int64 = 0
            var spanMs: Int64 = 0
            var epoch: Int64 = -1
            while true {
                nextEpoch.reset()
                nextEpoch.bind(1, epoch)
                guard try nextEpoch.step() else { break }
                epoch = nextEpoch.int64(0)
                first.reset()
                first.bind(1, epoch)
                last.reset()
                last.bind(1, epoch)
                guard try first.step(), try last.step() else { continue }
                frames &+= max(0, last.int64(0) &- first.int64(0)) &+ 1
                spanMs &+= max(0, last.int64(1) &- first.int64(1))
            }
            guard frames > 0 else { return 0 }
            guard spanMs > windowMs, windowMs >= 0 else { return Int(frames) }
            return Int((Double(frames) * Double(windowMs) / Double(spanMs)).rounded(.up))
        } catch {
            throw TapeFile.classify(error, path: path)
        }
    }
}
