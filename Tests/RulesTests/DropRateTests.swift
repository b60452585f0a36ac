import Rules
import Testing

@Suite("Drops per minute")
struct DropRateTests {
    @Test("the maximum is taken over any 60 s window, not calendar minutes")
    func slidingWindow() {
        var rate = DropRate()
        let second: Int64 = 1_000_000_000
        // 5 drops late in minute 0 and 5 early in minute 1: one window holds all 10.
        for i in 0..<5 { rate.record(atNs: 50 * second + Int64(i)) }
        for i in 0..<5 { rate.record(atNs: 70 * second + Int64(i)) }
        #expect(rate.maxPerMinute == 10)
        // 200 s later the window has emptied.
        rate.record(atNs: 300 * second)
        #expect(rate.maxPerMinute == 10)
    }

    @Test("drops more than a minute apart never add up")
    func separateMinutes() {
        var rate = DropRate()
        let second: Int64 = 1_000_000_000
        for i in 0..<4 { rate.record(atNs: Int64(i) * 61 * second) }
        #expect(rate.maxPerMinute == 1)
    }
}
