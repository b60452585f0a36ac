import Testing

@testable import Wire

@Suite struct BackoffTests {
    private let second: Int64 = 1_000_000_000

    @Test func ceilingDoublesFromHalfASecondToThirtySeconds() {
        let backoff = Backoff(seed: 1)
        let ceilings = (1...9).map { backoff.ceiling(afterFailures: $0) }
        let expected: [Int64] = [500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000].map { $0 * 1_000_000 }
        #expect(ceilings == expected)
        #expect(backoff.ceiling(afterFailures: 10_000) == 30 * second)
    }

    @Test func delaysAreFullJitterWithinTheCeiling() {
        var backoff = Backoff(seed: 7)
        var delays: [Int64] = []
        for failure in 1...40 {
            let delay = backoff.nextDelay()
            #expect(delay >= 0)
            #expect(delay <= backoff.ceiling(afterFailures: failure))
            delays.append(delay)
        }
        // Full jitter spreads over the whole range, it does not sit at the ceiling.
        let capped = delays.suffix(30)
        #expect(capped.contains { $0 < 15 * second })
        #expect(capped.contains { $0 > 15 * second })
        #expect(backoff.failures == 40)
    }

    @Test func sameSeedGivesTheSameDelaysAndAnotherSeedDoesNot() {
        var first = Backoff(seed: 42)
        var second = Backoff(seed: 42)
        var other = Backoff(seed: 43)
        let a = (0..<10).map { _ in first.nextDelay() }
        let b = (0..<10).map { _ in second.nextDelay() }
        let c = (0..<10).map { _ in other.nextDelay() }
        #expect(a == b)
        #expect(a != c)
    }

    @Test func aStableMinuteResetsTheFailureCount() {
        var backoff = Backoff(seed: 3)
        for _ in 0..<5 { _ = backoff.nextDelay() }
        backoff.connectionEnded(lastedNanos: 60 * second - 1)
        #expect(backoff.failures == 5)
        backoff.connectionEnded(lastedNanos: 60 * second)
        #expect(backoff.failures == 0)
        do {
            let actual = backoff.nextDelay() <= second / 2
            #expect(actual)
        }
    }
}
