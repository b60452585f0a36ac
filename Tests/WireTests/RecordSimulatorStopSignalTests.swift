import Testing

@testable import Wire

/// Found by ``RecordSimulatorTests``: about one run in thirty, the recorder stopped for good after
/// a chaos cut instead of reconnecting. The cut ends the reader, the session cancels its timer
/// task, and that task's ``StopSignal/sleep(nanos:)`` reported the cancellation as a stop.
@Suite struct RecordSimulatorStopSignalTests {
    @Test func aCancelledSleepIsNotAStopButAFiredOneIs() async throws {
        let signal = StopSignal()
        for round in 0..<400 {
            let sleeper = Task { await signal.sleep(nanos: 60_000_000_000) }
            // Cancel at different points: before the sleep starts, and while it waits.
            for _ in 0..<(round % 4) { await Task.yield() }
            if round % 5 == 0 { try await Task.sleep(for: .milliseconds(1)) }
            sleeper.cancel()
            let stopped = await sleeper.value
            #expect(!stopped, "round \(round): a cancelled sleep must not report a stop")
            if stopped { break }
        }
        #expect(!signal.isFired)

        let sleeper = Task { await signal.sleep(nanos: 60_000_000_000) }
        signal.fire()
        #expect(await sleeper.value)
        #expect(await signal.sleep(nanos: 60_000_000_000), "once fired, a sleep returns at once")
    }
}
