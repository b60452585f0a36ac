import TapeLog
import Wire

/// What ``TapeMarket/drainBenchmark(path:listeners:listenerCapacity:)`` measured.
public struct TapeMarketDrainResult: Sendable, Equatable {
    /// Messages the replay broadcast (one pass).
    public var frames: Int
    /// Listeners that each took every message.
    public var listeners: Int
    /// Messages every listener received (equal to `frames` unless something was lost).
    public var minimumReceived: Int
    /// Wall time from the start of the replay until the last listener drained, seconds.
    public var seconds: Double
    /// `frames / seconds`: how fast the tape was replayed.
    public var framesPerSecond: Double { self.seconds > 0 ? Double(self.frames) / self.seconds : 0 }
    /// `frames × listeners / seconds`: deliveries per second across listeners.
    public var deliveriesPerSecond: Double { self.framesPerSecond * Double(self.listeners) }
}

extension TapeMarket {
    /// Replays the tape at `max` speed to `listeners` listeners that drain as fast as they can,
    /// once, and measures it (for `ticktape bench serve`; a benchmark, never a test assertion).
    public static func drainBenchmark(
        path: String,
        listeners: Int,
        listenerCapacity: Int = 4096
    ) async throws(TapeError) -> TapeMarketDrainResult {
        var options = TapeMarketOptions()
        options.speed = .max
        options.listenerCapacity = listenerCapacity
        let market = try TapeMarket(path: path, options: options)
        let streams = (0..<Swift.max(1, listeners)).map { _ in market.listen() }
        let clock = ContinuousClock()
        let start = clock.now
        let counts = await withTaskGroup(of: Int.self, returning: [Int].self) { group in
            for stream in streams {
                group.addTask {
                    var count = 0
                    for await event in stream {
                        if case .message = event { count += 1 }
                    }
                    return count
                }
            }
            market.start()
            await market.waitUntilFinished()
            market.stop()  // ends the streams once drained
            var counts: [Int] = []
            for await count in group { counts.append(count) }
            return counts
        }
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return TapeMarketDrainResult(
            frames: market.status.framesSent,
            listeners: streams.count,
            minimumReceived: counts.min() ?? 0,
            seconds: seconds
        )
    }
}
