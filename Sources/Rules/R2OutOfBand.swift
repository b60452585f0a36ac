/// R2 out-of-band (<doc:ReconcileRules>): status, error and list replies never reach market
/// consumers; they are counted.
///
/// Server errors (`{"error":…}`) are findings worth reading in a report, so each kind has its
/// own count.
public struct R2OutOfBand: Sendable {
    private var byKind = [Int](repeating: 0, count: OutOfBandKind.allCases.count)

    public init() {}

    /// Returns true (discard) for out-of-band classes and counts them by kind.
    public mutating func intercepts(_ eventClass: EventClass) -> Bool {
        guard case .outOfBand(let kind) = eventClass else { return false }
        byKind[Int(kind.rawValue)] += 1
        return true
    }

    /// How many messages of `kind` were kept from market consumers.
    public func count(_ kind: OutOfBandKind) -> Int { byKind[Int(kind.rawValue)] }
}
