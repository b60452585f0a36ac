import Primitives

/// What a ``WebSocketServer`` did to protect itself from single connections, for `GET /status`
/// and for tests: every figure counts since the server was bound. One instance per server.
public final class WebSocketServerCounters: Sendable {
    private struct Counts {
        var handshakeTimeouts = 0
        var closedUnwritable = 0
    }

    private let counts = Locked(Counts())
    /// WebSocket client slots taken: from an accepted upgrade request until its channel closes.
    let slots = Locked(0)

    public init() {}

    /// Client slots in use now (compared with ``WebSocketServerConfiguration/maxClients``): an
    /// upgrade takes one when it is accepted, before its handshake completes.
    public var clientSlots: Int { self.slots.withLock { $0 } }

    /// Connections closed because their HTTP request or upgrade had not completed within
    /// ``WebSocketServerConfiguration/handshakeTimeout`` (including upgrades that failed half-way,
    /// such as one with a request body).
    public var handshakeTimeouts: Int { self.counts.withLock { $0.handshakeTimeouts } }
    /// WebSocket clients closed with 1008 because their socket stayed unwritable longer than
    /// ``WebSocketServerConfiguration/unwritableTimeout``.
    public var closedUnwritable: Int { self.counts.withLock { $0.closedUnwritable } }

    func handshakeTimedOut() { self.counts.withLock { $0.handshakeTimeouts += 1 } }
    func unwritableClosed() { self.counts.withLock { $0.closedUnwritable += 1 } }
}

/// Why the server ended a WebSocket connection on its own.
public enum WebSocketServerError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The client's socket stayed unwritable (it stopped reading) past the deadline; the server
    /// sent close 1008 and closes the connection. Thrown by the connection's inbound sequence.
    case unwritable

    public var description: String {
        switch self {
        case .unwritable: return "client stopped reading: socket unwritable past the deadline"
        }
    }
}
