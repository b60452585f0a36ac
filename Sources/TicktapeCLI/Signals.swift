import Foundation

/// Catches SIGINT/SIGTERM with dispatch sources instead of dying, and tells the handler how
/// many have arrived so far (1 for the first, 2 for the next…).
///
/// The default disposition is set to ignore first: a dispatch source only observes a signal,
/// and without `SIG_IGN` the process would still be killed by it. Dispatch may coalesce signals
/// that arrive together; the count includes them all.
final class SignalTrap: @unchecked Sendable {
    private let queue = DispatchQueue(label: "ticktape.signals")
    private var sources: [DispatchSourceSignal] = []
    private let signals: [Int32]
    // Touched only on `queue`.
    private var count = 0

    init(_ signals: [Int32], handler: @escaping @Sendable (_ signal: Int32, _ count: Int) -> Void) {
        self.signals = signals
        for number in signals {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { [unowned self] in
                self.count += max(1, Int(source.data))
                handler(number, self.count)
            }
            source.resume()
            sources.append(source)
        }
    }

    /// Stops watching and restores the default dispositions.
    func cancel() {
        queue.sync {
            for source in sources { source.cancel() }
            sources.removeAll()
        }
        for number in signals { signal(number, SIG_DFL) }
    }
}
