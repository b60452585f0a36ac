import Foundation
import Wire

/// The live status line of `ticktape record` on a terminal: frames/s
/// over the last interval, epoch, frames and bytes, as the ``Console``'s status line on stderr.
/// Nothing at all when stderr is not a terminal, so piped and scripted runs see only the summary.
enum RecordStatusLine {
    /// Starts refreshing every `interval`; cancel the task to stop (the line is then cleared).
    static func start(_ session: RecordingRun, interval: Duration = .milliseconds(500)) -> Task<Void, Never>? {
        guard Console.showsStatus else { return nil }
        return Task {
            var last = await session.status()
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                if Task.isCancelled { break }
                let now = await session.status()
                let seconds = Double(now.elapsedNanos - last.elapsedNanos) / 1e9
                let rate = seconds > 0 ? Double(now.frames - last.frames) / seconds : 0
                let line =
                    "recording: \(Int(rate)) frames/s, epoch \(now.epoch), \(now.frames) frames, \(now.bytes) bytes"
                Console.status(line)
                last = now
            }
            Console.clearStatus()
        }
    }
}
