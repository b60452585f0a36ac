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
}

extension ExchangeProfile where Self == UpbitProfile {
    /// Upbit's profile, spelled `.upbit` where a profile is expected.
    public static var upbit: UpbitProfile { UpbitProfile() }
}
