import Exchange

/// Upbit's exchange profile: the tape's fact columns and the rules' inputs come from
/// ``UpbitScanner``, which reads DEFAULT and SIMPLE payloads alike.
public struct UpbitProfile: ExchangeProfile {
    /// The profile's name in reports and errors.
    public var name: String { "upbit" }

    public init() {}

    public func facts(of payload: UnsafeRawBufferPointer) -> FrameFacts {
        UpbitScanner.facts(of: payload)
    }

    /// The message with the other key spelling (SIMPLE for DEFAULT and the reverse), values and
    /// their spelling untouched; both when the spelling cannot be told from the first key.
    public func otherSpellings(of payload: [UInt8]) -> [[UInt8]] {
        let formats = UpbitFormat.Format.allCases.compactMap { UpbitFormat.convert(payload, to: $0) }
        return formats.filter { $0 != payload }
    }

    /// The (type, market) pairs of an Upbit request, depth suffixes removed; a type without
    /// codes (myAsset, or myOrder for every market) selects every code.
    public func requestedStreams(in request: [UInt8]) -> [RequestedStream]? {
        guard let subscription = try? UpbitSubscription.parse(request) else { return nil }
        return subscription.types.flatMap { item -> [RequestedStream] in
            let markets = item.markets
            if markets.isEmpty { return [RequestedStream(type: item.type, code: nil)] }
            return markets.map { RequestedStream(type: item.type, code: $0) }
        }
    }
}

extension ExchangeProfile where Self == UpbitProfile {
    /// Upbit's profile, spelled `.upbit` where a profile is expected.
    public static var upbit: UpbitProfile { UpbitProfile() }
}
