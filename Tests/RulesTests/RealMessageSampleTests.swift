import Exchange
import Foundation
import Primitives
import Rules
import Testing
import TicktapeTestSupport
import Upbit

/// Real Upbit messages from public sources (`Fixtures/upbit-real-messages.ndjson`, each line
/// naming its origin): a 2021 wire capture kept by cryptofeed, and the messages tardis-node tests
/// its Upbit mapper with, the August 2023 microsecond orderbook among them. Their shapes are the
/// ones our own feed never makes: Java-style number text, exponents (`6E-8`), a zero price, old
/// field sets, times in microseconds.
@Suite struct RealMessageSampleTests {
    struct Sample {
        var origin: String
        var payload: [UInt8]
    }

    static let samples: [Sample] = {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Fixtures/upbit-real-messages.ndjson").standardized.path
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        return data.split(separator: 0x0A).compactMap { line in
            let bytes = Array(line)
            guard let members = try? JSONValue.objectMembers(bytes),
                let origin = members.first(where: { $0.key == "origin" })?.value.stringValue,
                let message = members.first(where: { $0.key == "message" })
            else { return nil }
            // The message's bytes exactly as captured, not a re-serialisation.
            return Sample(origin: origin, payload: Array(bytes[message.valueRange]))
        }
    }()

    @Test func theSamplesAreThereEachWithItsOrigin() {
        #expect(Self.samples.count >= 8)
        #expect(Self.samples.allSatisfy { $0.origin.contains("commit") })
    }

    @Test func eachSampleDecodesToTheSameFactsAsAFullParse() {
        for sample in Self.samples {
            let facts = UpbitScanner.facts(of: sample.payload)
            #expect(facts == ReferenceFacts.facts(sample.payload), "\(sample.origin)")
            let event = UpbitEvent.decode(sample.payload)
            let typed: (code: String, ms: Int64, stream: StreamType, sid: UInt64?)? =
                switch event {
                case .trade(let t): (t.code, t.timestampMs, t.streamType, t.sequentialID)
                case .orderbook(let o): (o.code, o.timestampMs, o.streamType, nil)
                case .ticker(let t): (t.code, t.timestampMs, t.streamType, nil)
                default: nil
                }
            guard let typed else {
                Issue.record("\(sample.origin): decoded as \(event)")
                continue
            }
            #expect(facts.code == typed.code, "\(sample.origin)")
            #expect(facts.eventTimeMs == typed.ms, "\(sample.origin)")
            #expect((facts.streamType ?? .realtime) == typed.stream, "\(sample.origin)")
            #expect(facts.sequentialID == typed.sid, "\(sample.origin)")
            #expect(facts.idempotencyKey != nil, "\(sample.origin)")
        }
    }

    @Test func noSampleIsDroppedByARuleForItsShape() {
        for sample in Self.samples {
            var rules = Reconciler()
            let decision = rules.decide(
                RuleInput(epoch: 1, seq: 1, arrivalNs: 0, facts: UpbitScanner.facts(of: sample.payload))
            )
            guard case .accept = decision else {
                Issue.record("\(sample.origin): \(decision)")
                continue
            }
        }
    }

    @Test func theMicrosecondOrderbookReadsInMilliseconds() throws {
        let sample = try #require(Self.samples.first { $0.origin.contains("microseconds") })
        let facts = UpbitScanner.facts(of: sample.payload)
        #expect(facts.eventTime == 1_691_530_805_062_000)
        #expect(facts.eventTimeUnit == .microseconds)
        #expect(facts.eventTimeMs == 1_691_530_805_062)
    }

    @Test func wholeNumbersWrittenWithAFractionOrExponentAreExact() {
        let cases: [(String, Int64?)] = [
            ("1618678262712", 1_618_678_262_712),
            ("1618678262712.0", 1_618_678_262_712),
            ("1.618678262712E12", 1_618_678_262_712),
            ("1.618678262712e+12", 1_618_678_262_712),
            ("161867826271200E-2", 1_618_678_262_712),
            ("1618678262712.5", nil),
            ("1.5E0", nil),
            ("0E-5", 0),
            ("9.3E18", nil),
        ]
        for (text, expected) in cases {
            let payload = Array(#"{"type":"ticker","code":"KRW-BTC","timestamp":\#(text)}"#.utf8)
            #expect(UpbitScanner.facts(of: payload).eventTime == expected, "\(text)")
            #expect(ReferenceFacts.facts(payload).eventTime == expected, "\(text)")
            #expect(JSONValue.number(text).wholeInt64Value == expected, "\(text)")
        }
    }
}
