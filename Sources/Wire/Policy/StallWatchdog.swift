/// Decides when a live connection needs a keepalive ping and when it is dead.
///
/// A keepalive ping goes out every 60 s, and a no-data watchdog (`--stale-after`, default 30 s)
/// forces a reconnect. Upbit closes a connection after about 120 s without data in either direction,
/// and a half-open TCP connection can stay silent forever, so both are needed. Pure value type:
/// the owner calls ``inboundReceived(now:)`` for every inbound message and ``check(now:)`` when
/// ``nextDeadline`` has passed.
public struct StallWatchdog: Sendable, Equatable {
    /// What the owner should do at `now`.
    public enum Verdict: Sendable, Equatable {
        /// Nothing is due.
        case healthy
        /// Send a keepalive ping now (the watchdog counts it as sent).
        case sendPing
        /// Nothing arrived for `silentForNanos` ≥ `staleAfterNanos`: drop the connection.
        case stalled(silentForNanos: Int64)
    }

    /// Silence that counts as a stall (default 30 s).
    public let staleAfterNanos: Int64
    /// Keepalive cadence (default 60 s).
    public let pingIntervalNanos: Int64
    /// When the last inbound message (or the connection) arrived.
    public private(set) var lastInbound: Int64
    /// When the last keepalive ping was sent (or the connection opened).
    public private(set) var lastPing: Int64

    /// A watchdog for a connection that opened at `now`.
    public init(
        staleAfterNanos: Int64 = 30_000_000_000,
        pingIntervalNanos: Int64 = 60_000_000_000,
        now: Int64
    ) {
        precondition(staleAfterNanos > 0 && pingIntervalNanos > 0, "watchdog intervals must be positive")
        self.staleAfterNanos = staleAfterNanos
        self.pingIntervalNanos = pingIntervalNanos
        self.lastInbound = now
        self.lastPing = now
    }

    /// The earliest time at which ``check(now:)`` can return something other than `.healthy`.
    public var nextDeadline: Int64 {
        min(self.lastInbound + self.staleAfterNanos, self.lastPing + self.pingIntervalNanos)
    }

    /// Notes inbound data (any message, control frames included) at `now`.
    public mutating func inboundReceived(now: Int64) {
        self.lastInbound = max(self.lastInbound, now)
    }

    /// The verdict at `now`. A stall wins over a due ping; `.sendPing` restarts the ping cadence.
    public mutating func check(now: Int64) -> Verdict {
        let silent = now - self.lastInbound
        if silent >= self.staleAfterNanos {
            return .stalled(silentForNanos: silent)
        }
        if now - self.lastPing >= self.pingIntervalNanos {
            self.lastPing = now
            return .sendPing
        }
        return .healthy
    }
}
