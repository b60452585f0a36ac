import Foundation
import Primitives
import Testing
import TicktapeTestSupport

@testable import TicktapeCLI

/// SIGTERM is not SIGINT: the trap reports each signal as the one it was, and the commands that
/// stop on either say which one stopped them.
@Suite(.timeLimit(.minutes(3))) struct SignalReportTests {
    @Test func theTrapReportsSigtermAsSigtermAndSigintAsSigintCountingBoth() async {
        let seen = Locked<[String]>([])
        let trap = SignalTrap { signal, count in seen.withLock { $0.append("\(signalName(signal)) \(count)") } }
        defer { trap.cancel() }
        #expect(trap.caught == nil)
        kill(getpid(), SIGTERM)
        await trap.wait()
        #expect(trap.caught == SIGTERM)
        #expect(await poll { seen.withLock { $0.count } == 1 })
        kill(getpid(), SIGINT)
        #expect(await poll { seen.withLock { $0.count } == 2 })
        #expect(seen.withLock { $0 } == ["SIGTERM 1", "SIGINT 2"])
        #expect(trap.caught == SIGTERM, "the first signal stopped the command")
    }

    @Test(arguments: [SIGINT, SIGTERM])
    func simulateSaysWhichSignalStoppedIt(_ signal: Int32) async throws {
        let simulator = try await SimulatorProcess(["--symbols", "2", "--rate", "100"])
        let (code, stdout) = await simulator.stop(signal: signal)
        #expect(code == 0)
        let last = stdout.split(separator: "\n").last ?? ""
        #expect(last.hasPrefix("simulate: ") && last.hasSuffix(", stopped by \(signalName(signal))"), "\(stdout)")
    }
}
