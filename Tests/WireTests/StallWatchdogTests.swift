import Testing

@testable import Wire

@Suite struct StallWatchdogTests {
    private let second: Int64 = 1_000_000_000

    @Test func silenceForStaleAfterIsAStall() {
        var watchdog = StallWatchdog(now: 100 * second)
        #expect(watchdog.nextDeadline == 130 * second)
        do {
            let actual = watchdog.check(now: 130 * second - 1)
            #expect(actual == .healthy)
        }
        do {
            let actual = watchdog.check(now: 130 * second)
            #expect(actual == .stalled(silentForNanos: 30 * second))
        }
    }

    @Test func inboundDataPushesTheStallDeadline() {
        var watchdog = StallWatchdog(now: 0)
        watchdog.inboundReceived(now: 25 * second)
        #expect(watchdog.nextDeadline == 55 * second)
        do {
            let actual = watchdog.check(now: 54 * second)
            #expect(actual == .healthy)
        }
        do {
            let actual = watchdog.check(now: 55 * second)
            #expect(actual == .stalled(silentForNanos: 30 * second))
        }
    }

    @Test func keepalivePingEverySixtySecondsWhileDataFlows() {
        var watchdog = StallWatchdog(now: 0)
        var pings: [Int64] = []
        var now: Int64 = 0
        while now <= 200 * second {
            watchdog.inboundReceived(now: now)
            if watchdog.check(now: now) == .sendPing { pings.append(now) }
            now += second
        }
        #expect(pings == [60 * second, 120 * second, 180 * second])
    }

    @Test func aStallWinsOverADuePing() {
        var watchdog = StallWatchdog(staleAfterNanos: 90 * second, pingIntervalNanos: 60 * second, now: 0)
        do {
            let actual = watchdog.check(now: 60 * second)
            #expect(actual == .sendPing)
        }
        #expect(watchdog.nextDeadline == 90 * second)
        do {
            let actual = watchdog.check(now: 120 * second)
            #expect(actual == .stalled(silentForNanos: 120 * second))
        }
    }

    @Test func lateInboundStampsNeverMoveTheClockBack() {
        var watchdog = StallWatchdog(now: 10 * second)
        watchdog.inboundReceived(now: 5 * second)
        #expect(watchdog.lastInbound == 10 * second)
    }
}
