import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The two clocks every stamp is taken from: wall time (Unix ns) and a monotonic clock (ns).
///
/// A tape stores both per frame: wall time to relate a tape to the world, monotonic time to
/// replay the exact pacing (wall time may jump). Injected as `@Sendable` closures so tests can
/// stamp deterministically and the event loop never depends on a global.
public struct WireClock: Sendable {
    /// Monotonic nanoseconds; only differences are meaningful.
    public var monotonicNanos: @Sendable () -> Int64
    /// Wall-clock nanoseconds since the Unix epoch.
    public var wallNanos: @Sendable () -> Int64

    public init(monotonicNanos: @escaping @Sendable () -> Int64, wallNanos: @escaping @Sendable () -> Int64) {
        self.monotonicNanos = monotonicNanos
        self.wallNanos = wallNanos
    }

    /// The system clocks: `NIODeadline.now()` (CLOCK_MONOTONIC) and CLOCK_REALTIME.
    public static let system = WireClock(
        monotonicNanos: { Int64(truncatingIfNeeded: NIODeadline.now().uptimeNanoseconds) },
        wallNanos: {
            var spec = timespec()
            clock_gettime(CLOCK_REALTIME, &spec)
            return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
        }
    )
}
