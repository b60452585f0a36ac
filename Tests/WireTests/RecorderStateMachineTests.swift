import Testing

@testable import Wire

@Suite struct RecorderStateMachineTests {
    private static let second: Int64 = 1_000_000_000
    private var second: Int64 { Self.second }

    private func machine(seed: UInt64 = 1) -> RecorderStateMachine {
        var configuration = RecorderStateMachine.Configuration()
        configuration.seed = seed
        return RecorderStateMachine(configuration: configuration)
    }

    @Test func firstConnectThenSubscriptionOpensEpochOne() {
        var sm = machine()
        do {
            let actual = sm.start(now: 0)
            #expect(actual == .connect(attempt: 1))
        }
        do {
            let actual = sm.connectSucceeded(now: 10)
            #expect(actual == .sendSubscription(epoch: 1))
        }
        #expect(sm.epoch == 1)
        #expect(sm.nextDeadline == 10 + 30 * second)
    }

    @Test func serverCloseReconnectsWithJitterAndANewEpoch() {
        var sm = machine()
        _ = sm.start(now: 0)
        _ = sm.connectSucceeded(now: 0)
        guard case .reconnectAfter(let delay) = sm.connectionClosed(now: 5 * second) else {
            Issue.record("expected a reconnect")
            return
        }
        #expect(delay >= 0 && delay <= second / 2)
        #expect(sm.nextDeadline == 5 * second + delay)
        do {
            let actual = sm.delayElapsed(now: 5 * second + delay)
            #expect(actual == .connect(attempt: 2))
        }
        do {
            let actual = sm.connectSucceeded(now: 6 * second)
            #expect(actual == .sendSubscription(epoch: 2))
        }
    }

    @Test func failedAttemptsAreNotEpochsAndBackOffExponentially() {
        var sm = machine(seed: 9)
        var action = sm.start(now: 0)
        var now: Int64 = 0
        var ceilings: [Int64] = []
        for failure in 1...8 {
            #expect(action == .connect(attempt: failure))
            guard case .reconnectAfter(let delay) = sm.connectFailed(now: now) else {
                Issue.record("expected a reconnect")
                return
            }
            ceilings.append(Backoff(seed: 0).ceiling(afterFailures: failure))
            #expect(delay <= ceilings.last!)
            now += delay
            action = sm.delayElapsed(now: now)
        }
        #expect(sm.epoch == 0)
        do {
            let actual = sm.connectSucceeded(now: now)
            #expect(actual == .sendSubscription(epoch: 1))
        }
    }

    @Test func connectsAreLimitedToFivePerSecond() {
        var configuration = RecorderStateMachine.Configuration()
        configuration.backoffBaseNanos = 1  // no backoff to speak of: the connect limit is what waits
        configuration.backoffCapNanos = 1
        var sm = RecorderStateMachine(configuration: configuration)
        var action = sm.start(now: 0)
        var connectTimes: [Int64] = []
        var now: Int64 = 0
        while connectTimes.count < 7 {
            switch action {
            case .connect:
                connectTimes.append(now)
                action = sm.connectFailed(now: now)
            case .reconnectAfter(let delay):
                now += delay
                action = sm.delayElapsed(now: now)
            default:
                Issue.record("unexpected \(action)")
                return
            }
        }
        // Five in the first instant, then one per 200 ms.
        #expect(connectTimes[4] <= 5)
        #expect(connectTimes[5] >= 200_000_000)
        #expect(connectTimes[6] - connectTimes[5] >= 200_000_000)
    }

    @Test func silenceLeadsToAStallCloseAndPingsComeEverySixtySeconds() {
        var sm = machine()
        _ = sm.start(now: 0)
        _ = sm.connectSucceeded(now: 0)
        for t in stride(from: Int64(1), through: 59, by: 1) {
            sm.inboundReceived(now: t * second)
            do {
                let actual = sm.tick(now: t * second)
                #expect(actual == .none)
            }
        }
        sm.inboundReceived(now: 60 * second)
        do {
            let actual = sm.tick(now: 60 * second)
            #expect(actual == .sendPing)
        }
        #expect(sm.nextDeadline == 90 * second)
        do {
            let actual = sm.tick(now: 90 * second)
            #expect(actual == .closeStalled(silentForNanos: 30 * second))
        }
        do {
            let actual = sm.tick(now: 91 * second)
            #expect(actual == .none)
        }
        guard case .reconnectAfter = sm.connectionClosed(now: 91 * second) else {
            Issue.record("a stall must reconnect")
            return
        }
    }

    @Test func aStableMinuteResetsTheBackoff() {
        var sm = machine(seed: 5)
        var now: Int64 = 0
        var action = sm.start(now: now)
        // Five quick failures push the ceiling to 8 s.
        for _ in 0..<5 {
            guard case .connect = action, case .reconnectAfter(let d) = sm.connectFailed(now: now) else {
                Issue.record("expected connect/fail cycle")
                return
            }
            now += d
            action = sm.delayElapsed(now: now)
        }
        _ = sm.connectSucceeded(now: now)
        guard case .reconnectAfter(let delay) = sm.connectionClosed(now: now + 61 * second) else {
            Issue.record("expected a reconnect")
            return
        }
        #expect(delay <= second / 2)
    }

    @Test func stopWhileConnectedClosesThenStops() {
        var sm = machine()
        _ = sm.start(now: 0)
        _ = sm.connectSucceeded(now: 0)
        do {
            let actual = sm.requestStop()
            #expect(actual == .closeForStop)
        }
        do {
            let actual = sm.tick(now: 100 * second)
            #expect(actual == .none)
        }
        do {
            let actual = sm.connectionClosed(now: second)
            #expect(actual == .stop)
        }
        #expect(sm.isStopped)
    }

    @Test func stopWhileWaitingStopsAtOnce() {
        var sm = machine()
        _ = sm.start(now: 0)
        _ = sm.connectFailed(now: 0)
        do {
            let actual = sm.requestStop()
            #expect(actual == .stop)
        }
        do {
            let actual = sm.delayElapsed(now: second)
            #expect(actual == .none)
        }
    }

    @Test func stopDuringAConnectAttemptWaitsForItsOutcome() {
        var sm = machine()
        _ = sm.start(now: 0)
        do {
            let actual = sm.requestStop()
            #expect(actual == .none)
        }
        do {
            let actual = sm.connectSucceeded(now: 1)
            #expect(actual == .closeForStop)
        }
        do {
            let actual = sm.connectionClosed(now: 2)
            #expect(actual == .stop)
        }

        var failing = machine()
        _ = failing.start(now: 0)
        _ = failing.requestStop()
        do {
            let actual = failing.connectFailed(now: 1)
            #expect(actual == .stop)
        }
    }
}
