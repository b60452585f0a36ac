import Foundation
import Synchronization

/// SIGINT and SIGTERM received so far (process-wide; written by the C handler below).
private let signalsReceived = Atomic<Int>(0)

/// Catches SIGINT/SIGTERM instead of dying (record, serve and simulate end cleanly on them, with
/// exit 0), and reports each one to a handler with how many have arrived (1, 2, …).
///
/// The handler is a plain C `sigaction` handler that only increments an atomic counter — an
/// async-signal-safe operation — installed synchronously, so no signal is lost between
/// installation and the first line a command prints (a dispatch source installs its handler
/// asynchronously, and with the disposition set to ignore meanwhile a signal vanishes). The
/// counter is polled every 20 ms.
final class SignalTrap: Sendable {
    private let signals: [Int32]
    private let poller: Task<Void, Never>

    init(
        _ signals: [Int32] = [SIGINT, SIGTERM],
        handler: @escaping @Sendable (_ signal: Int32, _ count: Int) -> Void = { _, _ in }
    ) {
        self.signals = signals
        for number in signals {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { _ in signalsReceived.add(1, ordering: .sequentiallyConsistent) }
            sigemptyset(&action.sa_mask)
            sigaction(number, &action, nil)
        }
        let start = signalsReceived.load(ordering: .sequentiallyConsistent)
        poller = Task.detached {
            var seen = start
            while !Task.isCancelled {
                let now = signalsReceived.load(ordering: .sequentiallyConsistent)
                while seen < now {
                    seen += 1
                    handler(SIGINT, seen - start)
                }
                try? await Task.sleep(nanoseconds: 20_000_000)
            }
        }
    }

    /// Returns once a signal has arrived since the trap was set (at once if one already did).
    func wait() async {
        while !Task.isCancelled && !fired { try? await Task.sleep(nanoseconds: 20_000_000) }
    }

    private var fired: Bool { signalsReceived.load(ordering: .sequentiallyConsistent) > baseline }
    private let baseline = signalsReceived.load(ordering: .sequentiallyConsistent)

    /// Stops watching and restores the default dispositions.
    func cancel() {
        poller.cancel()
        for number in signals { signal(number, SIG_DFL) }
    }
}
