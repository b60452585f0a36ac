/// The clock a ``TapeMarket`` paces its replay on. Injected so tests drive time by hand (a
/// manual clock) instead of waiting; the server uses ``SystemReplayClock``.
public protocol ReplayClock: Sendable {
    /// Monotonic nanoseconds; only differences are meaningful.
    func now() -> Int64
    /// Returns once ``now()`` ≥ `deadline`; throws `CancellationError` if the task is cancelled first.
    func sleep(until deadline: Int64) async throws
}

/// Swift's `ContinuousClock` (monotonic; keeps counting while the machine sleeps).
public struct SystemReplayClock: ReplayClock {
    private let origin = ContinuousClock.now

    public init() {}

    public func now() -> Int64 {
        let elapsed = ContinuousClock.now - self.origin
        return elapsed.components.seconds &* 1_000_000_000 &+ elapsed.components.attoseconds / 1_000_000_000
    }

    public func sleep(until deadline: Int64) async throws {
        let wait = deadline &- self.now()
        guard wait > 0 else { return }
        try await Task.sleep(nanoseconds: UInt64(wait))
    }
}
