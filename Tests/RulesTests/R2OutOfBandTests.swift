import Rules
import Testing
import TicktapeTestSupport
import Upbit

@Suite("R2 out-of-band")
struct R2OutOfBandTests {
    @Test("status, error and list replies never reach consumers and are counted by kind")
    func outOfBandMessagesAreCountedNotDelivered() {
        let frames = script {
            at(ms: 0) {
                status()
                serverError()
                status()
                listReply()
                ticker("KRW-BTC")
            }
        }
        let (reconciler, decisions) = reconcile(frames)
        #expect(decisions.filter(\.isAccepted).count == 1)
        #expect(reconciler.counts.count(.outOfBand) == 4)
        #expect(reconciler.counts.count(OutOfBandKind.status) == 2)
        #expect(reconciler.counts.count(OutOfBandKind.error) == 1)
        #expect(reconciler.counts.count(OutOfBandKind.list) == 1)
    }

    @Test("unknown frames and undecodable market frames are findings, never delivered")
    func unknownAndMalformedAreFindings() {
        let frames = script {
            at(ms: 0) {
                unknownFrame()
                Scripted(type: "announcement", code: "KRW-BTC")
                undecodable("ticker", "KRW-BTC")
            }
        }
        let (reconciler, decisions) = reconcile(frames)
        #expect(decisions.map(\.discardReason) == [.unknown, .unknown, .malformed])
        #expect(reconciler.counts.accepted == 0)
    }

    @Test("classification knows every market type and the candle intervals")
    func classificationCoversTheUpbitProfile() {
        #expect(EventClass(type: "candle.240m") == .market(.candle))
        #expect(EventClass(type: "candle.") == .unknown)
        #expect(EventClass(type: "myAsset") == .market(.myAsset))
        #expect(EventClass(type: "list") == .outOfBand(.list))
        #expect(EventClass(type: nil) == .unknown)
        #expect(MarketType.allCases.filter(\.isState) == [.ticker, .orderbook, .candle, .myAsset])
    }
}
