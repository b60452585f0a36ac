import Rules
import Testing

@Suite("Consumer specs and durations")
struct ConsumerSpecTests {
    @Test("a full spec parses and prints back canonically")
    func fullSpecRoundTrips() throws {
        let spec = try ConsumerSpec.parse(
            "name=gui,types=ticker|orderbook,codes=*,capacity=64,policy=coalesce,service=200ms"
        )
        #expect(spec.name == "gui")
        #expect(spec.filter.types == ["ticker", "orderbook"])
        #expect(spec.filter.codes == nil)
        #expect(spec.capacity == 64)
        #expect(spec.policy == .coalesce)
        #expect(spec.serviceNs == 200_000_000)
        #expect(try ConsumerSpec.parse(spec.description) == spec)
    }

    @Test("only the name is required")
    func defaults() throws {
        let spec = try ConsumerSpec.parse("name=all")
        #expect(spec == ConsumerSpec(name: "all"))
    }

    @Test(
        "bad specs name the field that is wrong",
        arguments: [
            ("name=a,capacity=0", ConsumerSpecError.badCapacity("0")),
            ("name=a,policy=lifo", .unknownPolicy("lifo")),
            ("name=a,types=ticker|quote", .unknownType("quote")),
            ("name=a,types=candle.7m", .unknownType("candle.7m")),
            ("name=a,service=fast", .badDuration(field: "service", value: "fast")),
            ("types=ticker", .missingName),
            ("name=a,colour=red", .unknownField("colour")),
            ("name=a,name=b", .repeatedField("name")),
            ("name=a,capacity", .notKeyValue("capacity")),
            ("name=a,codes=", .emptyValue(field: "codes")),
        ]
    )
    func badSpecsAreRejected(text: String, expected: ConsumerSpecError) {
        #expect(throws: expected) { try ConsumerSpec.parse(text) }
        #expect(!expected.description.contains("\n"))
    }

    @Test("durations accept ms, s, m and decimals, exactly")
    func durations() {
        #expect(DurationParser.nanoseconds("500ms") == 500_000_000)
        #expect(DurationParser.nanoseconds("10s") == 10_000_000_000)
        #expect(DurationParser.nanoseconds("2m") == 120_000_000_000)
        #expect(DurationParser.nanoseconds("1.5s") == 1_500_000_000)
        #expect(DurationParser.nanoseconds("0.1ms") == 100_000)
        #expect(DurationParser.nanoseconds("250us") == 250_000)
        for bad in ["", "5", "ms", "1.s", ".5s", "-1s", "1.5.0s", "3h", "1e3ms"] {
            #expect(DurationParser.nanoseconds(bad) == nil, "\(bad)")
        }
        #expect(DurationParser.format(nanoseconds: 1_500_000_000) == "1500ms")
        #expect(DurationParser.format(nanoseconds: 120_000_000_000) == "2m")
    }

    @Test("filters match types, candle wildcards and codes; code-less myAsset passes code filters")
    func filters() {
        let filter = ConsumerFilter(types: ["candle.*", "myAsset"], codes: ["KRW-BTC"])
        #expect(filter.matches(type: "candle.5m", code: "KRW-BTC"))
        #expect(!filter.matches(type: "candle.5m", code: "KRW-ETH"))
        #expect(!filter.matches(type: "ticker", code: "KRW-BTC"))
        #expect(filter.matches(type: "myAsset", code: ""))
    }
}
