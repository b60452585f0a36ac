import Testing

@testable import Wire

@Suite struct TokenBucketTests {
    private let second: Int64 = 1_000_000_000

    @Test func aFullBucketAllowsABurstOfCapacityThenRefuses() {
        var bucket = TokenBucket(capacity: 5, intervalNanos: second)
        for _ in 0..<5 {
            let actual = bucket.tryTake(now: 0)
            #expect(actual)
        }
        do {
            let actual = bucket.tryTake(now: 0)
            #expect(!actual)
        }
        #expect(bucket.delayUntilAvailable(now: 0) == 200_000_000)
    }

    @Test func tokensComeBackAtTheRefillRate() {
        var bucket = TokenBucket(capacity: 5, intervalNanos: second)
        for _ in 0..<5 { _ = bucket.tryTake(now: 10 * second) }
        do {
            let actual = bucket.tryTake(now: 10 * second + 199_999_999)
            #expect(!actual)
        }
        do {
            let actual = bucket.tryTake(now: 10 * second + 200_000_000)
            #expect(actual)
        }
        do {
            let actual = bucket.tryTake(now: 10 * second + 200_000_000)
            #expect(!actual)
        }
        #expect(bucket.available(now: 10 * second + 600_000_000) == 2)
    }

    @Test func aLongIdleFillsTheBucketOnlyToCapacity() {
        var bucket = TokenBucket(capacity: 5, intervalNanos: second)
        for _ in 0..<5 { _ = bucket.tryTake(now: 0) }
        #expect(bucket.available(now: 3_600 * second) == 5)
    }

    @Test func aClockThatGoesBackwardsAddsNothing() {
        var bucket = TokenBucket(capacity: 1, intervalNanos: second)
        do {
            let actual = bucket.tryTake(now: 5 * second)
            #expect(actual)
        }
        do {
            let actual = bucket.tryTake(now: 4 * second)
            #expect(!actual)
        }
        #expect(bucket.delayUntilAvailable(now: 4 * second) == second)
    }

    @Test func perMinuteLimitBitesEvenWhenThePerSecondBucketHasTokens() {
        var limiter = RateLimiter([
            TokenBucket(capacity: 5, intervalNanos: second),
            TokenBucket(capacity: 10, intervalNanos: 60 * second),
        ])
        for _ in 0..<5 {
            let actual = limiter.tryAcquire(now: 0)
            #expect(actual)
        }
        for _ in 0..<5 {
            let actual = limiter.tryAcquire(now: second)
            #expect(actual)
        }
        // The per-second bucket is full again at 2 s, but the minute's 10 are spent.
        #expect(limiter.buckets[0].available(now: 2 * second) == 5)
        do {
            let actual = limiter.tryAcquire(now: 2 * second)
            #expect(!actual)
        }
        #expect(limiter.delayUntilAvailable(now: 2 * second) == 4 * second)  // 60 s / 10 − 2 s elapsed
    }

    @Test func upbitMessageLimitHoldsOverTenMinutesOfGreedySending() {
        var limiter = RateLimiter.upbitMessages()
        var sent = 0
        var now: Int64 = 0
        let end = 600 * second
        while now < end {
            if limiter.tryAcquire(now: now) {
                sent += 1
            } else {
                now += limiter.delayUntilAvailable(now: now)
            }
        }
        // 100 per minute plus one initial burst of 100; 5/s alone would have allowed 3,005.
        #expect(sent > 1_000 - 5)
        #expect(sent <= 1_100)
    }

    @Test func aRefusedAcquireTakesNoTokenFromAnyBucket() {
        var limiter = RateLimiter([
            TokenBucket(capacity: 2, intervalNanos: second),
            TokenBucket(capacity: 1, intervalNanos: second),
        ])
        do {
            let actual = limiter.tryAcquire(now: 0)
            #expect(actual)
        }
        do {
            let actual = limiter.tryAcquire(now: 0)
            #expect(!actual)
        }
        #expect(limiter.buckets[0].available(now: 0) == 1)
    }
}
