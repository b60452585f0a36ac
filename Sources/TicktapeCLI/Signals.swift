import Foundation
import Synchronization

/// SIGINT and SIGTERM received so far, each counted apart (process-wide; written by the C
/// handler below), and the first of them since the latest trap was set (0 for none yet).
private let interruptsReceived = Atomic<Int>(0)
private let terminationsReceived = Atomic<Int>(0)
private let firstReceived = Atomic<Int32>(0)

/// A signal's name as the docs and the shell spell it: `SIGINT`, `SIGTERM`.
func signalName(_ number: Int32) -> String {
    switch number {
    case SIGINT: "SIGINT"
    case SIGTERM: "SIGTERM"
    default: "signal \(number)"
    }
}

/// Catches SIGINT/SIGTERM instead of dying (record, serve and simulate end cleanly on them, with
/// exit 0), and reports each one to a handler as the signal it was, with how many have arrived
/// (1, 2, …, both kinds together).
///
/// The handler is a plain C `sigaction` handler that only updates atomics — async-signal-safe
/// operations — installed synchronously, so no signal is lost between installation and the
/// first line a command prints (a dispatch source installs its handler asynchronously, and with
/// the disposition set to ignore meanwhile a signal vanishes). The counters are polled every
/// 20 ms; SIGINT and SIGTERM have a counter each, so that one is never reported as the other.
final class SignalTrap: Sendable {
    private let signals: [Int32]
    private let poller: Task<Void, Never>

    init(
        _ signals: [Int32] = [SIGINT, SIGTERM],
        handler: @escaping @Sendable (_ signal: Int32, _ count: Int) -> Void = { _, _ in }
    ) {
        precondition(signals.allSatisfy { $0 == SIGINT || $0 == SIGTERM }, "only SIGINT and SIGTERM are counted")
        self.signals = signals
        firstReceived.store(0, ordering: .sequentiallyConsistent)
        for number in signals {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { number in
                _ = firstReceived.compareExchange(expected: 0, desired: number, ordering: .sequentiallyConsistent)
                if number == SIGTERM {
                    terminationsReceived.add(1, ordering: .sequentiallyConsistent)
                } else {
                    interruptsReceived.add(1, ordering: .sequentiallyConsistent)
                }
            }
            sigemptyset(&action.sa_mask)
            sigaction(number, &action, nil)
        }
        let start = Self.received()
        poller = Task.detached {
            var seen = start
            var count = 0
            while !Task.isCancelled {
                let now = Self.received()
                while seen.interrupts < now.interrupts {
                    seen.interrupts += 1
                    count += 1
                    handler(SIGINT, count)
                }
                while seen.terminations < now.terminations {
                    seen.terminations += 1
                    count += 1
                    handler(SIGTERM, count)
                }
                try? await Task.sleep(nanoseconds: 20_000_000)
            }
        }
    }

    private static func received() -> (interrupts: Int, terminations: Int) {
        (
            interruptsReceived.load(ordering: .sequentiallyConsistent),
            terminationsReceived.load(ordering: .sequentiallyConsistent)
        )
    }

    /// The first signal caught since the trap was set (SIGINT or SIGTERM), nil before any.
    var caught: Int32? {
        let number = firstReceived.load(ordering: .sequentiallyConsistent)
        return number == 0 ? nil : number
    }

    /// Returns once a signal has arrived since the trap was set (at once if one already did).
    func wait() async {
        while !Task.isCancelled && caught == nil { try? await Task.sleep(nanoseconds: 20_000_000) }
    }

    /// Stops watching and restores the default dispositions.
    func cancel() {
        poller.cancel()
        for number in signals { signal(number, SIG_DFL) }
    }
}
