/// The connect → record → reconnect lifecycle of a recording session, as a pure state machine.
///
/// Modelled on swift-nio's `NIOTypedHTTPClientUpgraderStateMachine`: every input is a method
/// that takes the current time and returns an ``Action``; a thin async shell (``Recorder``)
/// performs the action and reports the outcome back. No I/O, no clock, no sleeping here, so the
/// whole policy (backoff, 5 connects/s, epochs, keepalive, stall watchdog, clean stop) is tested
/// with plain numbers. The recording semantics it implements are in the module's overview.
public struct RecorderStateMachine: Sendable {
    /// Tunables; the defaults are the recording contract's (0.5 s backoff doubling to 30 s, reset
    /// after 60 s up; reconnect after 30 s without data; keepalive every 60 s).
    public struct Configuration: Sendable, Equatable {
        public var backoffBaseNanos: Int64 = 500_000_000
        public var backoffCapNanos: Int64 = 30_000_000_000
        public var stableAfterNanos: Int64 = 60_000_000_000
        public var staleAfterNanos: Int64 = 30_000_000_000
        public var pingIntervalNanos: Int64 = 60_000_000_000
        /// Connect limit (default 5 per second).
        public var connectLimit: RateLimiter = .upbitConnects()
        /// Seed of the backoff jitter.
        public var seed: UInt64 = 0

        public init() {}
    }

    /// What the shell must do next.
    public enum Action: Sendable, Equatable {
        /// Open a connection now (`attempt` counts every attempt of the session, from 1).
        case connect(attempt: Int)
        /// The handshake of epoch `epoch` completed: send the subscription as its first frame.
        case sendSubscription(epoch: Int)
        /// Send a keepalive ping.
        case sendPing
        /// The connection is silent: drop it without waiting (report it, then `connectionClosed`).
        case closeStalled(silentForNanos: Int64)
        /// Stop was requested while connected: send close 1000, wait briefly, then `connectionClosed`.
        case closeForStop
        /// Wait, then call ``delayElapsed(now:)``.
        case reconnectAfter(nanos: Int64)
        /// The session is over.
        case stop
        /// Nothing to do.
        case none
    }

    private enum State: Sendable {
        case idle
        case connecting
        case connected(epoch: Int, since: Int64, watchdog: StallWatchdog)
        case closing(epoch: Int, since: Int64)
        case waiting(until: Int64)
        case stopped
    }

    private let configuration: Configuration
    private var state: State = .idle
    private var backoff: Backoff
    private var connects: RateLimiter
    private var stopRequested = false
    /// The epoch of the current or last connection (0 before the first handshake).
    public private(set) var epoch = 0
    /// Connection attempts so far.
    public private(set) var attempts = 0

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        self.backoff = Backoff(
            baseNanos: configuration.backoffBaseNanos,
            capNanos: configuration.backoffCapNanos,
            stableAfterNanos: configuration.stableAfterNanos,
            seed: configuration.seed
        )
        self.connects = configuration.connectLimit
    }

    /// When the shell should call ``tick(now:)`` (connected) or ``delayElapsed(now:)`` (waiting).
    public var nextDeadline: Int64? {
        switch self.state {
        case .connected(_, _, let watchdog): return watchdog.nextDeadline
        case .waiting(let until): return until
        case .idle, .connecting, .closing, .stopped: return nil
        }
    }

    /// Whether the session has ended.
    public var isStopped: Bool {
        if case .stopped = self.state { return true }
        return false
    }

    /// Starts the session.
    public mutating func start(now: Int64) -> Action {
        guard case .idle = self.state else { preconditionFailure("start called twice") }
        return self.connectIfAllowed(now: now)
    }

    /// The handshake completed: a new epoch begins.
    public mutating func connectSucceeded(now: Int64) -> Action {
        guard case .connecting = self.state else { preconditionFailure("connectSucceeded while not connecting") }
        self.epoch += 1
        if self.stopRequested {
            self.state = .closing(epoch: self.epoch, since: now)
            return .closeForStop
        }
        let watchdog = StallWatchdog(
            staleAfterNanos: self.configuration.staleAfterNanos,
            pingIntervalNanos: self.configuration.pingIntervalNanos,
            now: now
        )
        self.state = .connected(epoch: self.epoch, since: now, watchdog: watchdog)
        return .sendSubscription(epoch: self.epoch)
    }

    /// The attempt failed before a handshake completed (refused, HTTP 429, TLS, timeout…).
    public mutating func connectFailed(now: Int64) -> Action {
        guard case .connecting = self.state else { preconditionFailure("connectFailed while not connecting") }
        return self.waitOrStop(now: now)
    }

    /// Inbound data arrived at `now` (feeds the watchdog).
    public mutating func inboundReceived(now: Int64) {
        guard case .connected(let epoch, let since, var watchdog) = self.state else { return }
        watchdog.inboundReceived(now: now)
        self.state = .connected(epoch: epoch, since: since, watchdog: watchdog)
    }

    /// Time passed while connected: maybe a keepalive ping, maybe a stall.
    public mutating func tick(now: Int64) -> Action {
        guard case .connected(let epoch, let since, var watchdog) = self.state else { return .none }
        let verdict = watchdog.check(now: now)
        switch verdict {
        case .healthy:
            return .none
        case .sendPing:
            self.state = .connected(epoch: epoch, since: since, watchdog: watchdog)
            return .sendPing
        case .stalled(let silent):
            self.state = .closing(epoch: epoch, since: since)
            return .closeStalled(silentForNanos: silent)
        }
    }

    /// The connection of the current epoch ended, for whatever reason.
    public mutating func connectionClosed(now: Int64) -> Action {
        switch self.state {
        case .connected(_, let since, _), .closing(_, let since):
            self.backoff.connectionEnded(lastedNanos: now - since)
            return self.waitOrStop(now: now)
        case .idle, .connecting, .waiting, .stopped:
            preconditionFailure("connectionClosed without a connection")
        }
    }

    /// A ``Action/reconnectAfter(nanos:)`` wait is over.
    public mutating func delayElapsed(now: Int64) -> Action {
        guard case .waiting = self.state else { return .none }
        if self.stopRequested {
            self.state = .stopped
            return .stop
        }
        return self.connectIfAllowed(now: now)
    }

    /// The user asked to stop (SIGINT/SIGTERM or task cancellation).
    public mutating func requestStop() -> Action {
        self.stopRequested = true
        switch self.state {
        case .idle, .waiting, .stopped:
            self.state = .stopped
            return .stop
        case .connected(let epoch, let since, _):
            self.state = .closing(epoch: epoch, since: since)
            return .closeForStop
        case .connecting, .closing:
            return .none  // the pending connect or close reports back and then stops
        }
    }

    private mutating func connectIfAllowed(now: Int64) -> Action {
        guard self.connects.tryAcquire(now: now) else {
            let delay = self.connects.delayUntilAvailable(now: now)
            self.state = .waiting(until: now + delay)
            return .reconnectAfter(nanos: delay)
        }
        self.attempts += 1
        self.state = .connecting
        return .connect(attempt: self.attempts)
    }

    private mutating func waitOrStop(now: Int64) -> Action {
        if self.stopRequested {
            self.state = .stopped
            return .stop
        }
        let delay = self.backoff.nextDelay()
        self.state = .waiting(until: now + delay)
        return .reconnectAfter(nanos: delay)
    }
}
