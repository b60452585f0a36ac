import Foundation
import TapeLog

/// A progress line on stderr while long work runs, only when stderr is a terminal (the
/// ``Console``'s status line).
final class Progress {
    private let label: String
    private let start = DispatchTime.now().uptimeNanoseconds
    private let enabled = Console.showsStatus
    private var shown = false

    private let total: Int?

    /// `total` items expected, when known, for an ETA.
    init(label: String, total: Int? = nil) {
        self.label = label
        self.total = total
    }

    /// The frame count of the tapes at `paths`, counted only when the line will be shown.
    static func frames(in paths: [String]) -> Int? {
        guard Console.showsStatus else { return nil }
        return paths.reduce(0) { sum, path in sum + ((try? TapeReader(path: path).frameCount()) ?? 0) }
    }

    /// `count` items done so far.
    func update(_ count: Int) {
        guard enabled else { return }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let rate = seconds > 0 ? Double(count) / seconds : 0
        var line = "\(label): \(count) frames, \(Int(rate)) frames/s"
        if let total, total > count, rate > 0 { line += ", ETA \(Int(Double(total - count) / rate) + 1) s" }
        Console.status(line)
        shown = true
    }

    func finish() {
        if shown { Console.clearStatus() }
    }
}
