import Foundation

/// A progress line on stderr while long work runs, only when stderr is a terminal.
final class Progress {
    private let label: String
    private let start = DispatchTime.now().uptimeNanoseconds
    private let enabled = isatty(2) == 1
    private var shown = false

    init(label: String) { self.label = label }

    /// `count` items done so far.
    func update(_ count: Int) {
        guard enabled else { return }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let rate = seconds > 0 ? Int(Double(count) / seconds) : 0
        FileHandle.standardError.write(Data("\r\(label): \(count) frames, \(rate) frames/s   ".utf8))
        shown = true
    }

    func finish() {
        if shown { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
