import TapeLog

/// Facts about the connection that opens an epoch.
public struct EpochInfo: Sendable, Equatable {
    /// The URL connected to (never carries credentials: those travel in headers).
    public var url: WebSocketURL
    /// Which connection attempt of the session succeeded (failed attempts count too).
    public var attempt: Int
    /// When the handshake completed.
    public var wallNanos: Int64
    public var monotonicNanos: Int64
}

/// A lifecycle fact of a recording session, stamped when it happened.
public struct RecorderEvent: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// An attempt failed before a handshake completed; not an epoch.
        case connectFailed(attempt: Int, reason: String, httpStatus: Int?)
        /// The subscription, the first outbound frame of `epoch`, was sent.
        case subscribed(epoch: Int)
        /// The connection of `epoch` ended.
        case disconnected(epoch: Int, cause: DisconnectCause, closeCode: UInt16?, reason: String)
        /// The session ended after `epochs` epochs (the tape's `session_end`).
        case stopped(epochs: Int)
    }

    public var kind: Kind
    public var wallNanos: Int64
    public var monotonicNanos: Int64
}

/// Why a connection ended.
public enum DisconnectCause: Sendable, Equatable {
    /// The server sent a close frame.
    case closedByPeer
    /// The connection broke without a close frame (EOF, reset, TLS ragged EOF, protocol error).
    case connectionLost
    /// The no-data watchdog fired (`--stale-after`).
    case stalled
    /// We were asked to stop (close 1000 sent).
    case stopped
}

/// Where a ``Recorder`` puts what it sees: the boundary to the tape writer.
///
/// Calls arrive in the order in which things happened, for one epoch at a time: `beginEpoch`,
/// then its frames and lifecycle events. Frames of one epoch may be recorded from two tasks (the
/// reader and the keepalive timer), so an implementation must serialise (an actor does) and
/// assign `seq` in call order (1, 2, 3 … over inbound and outbound frames together). A call
/// that suspends holds the reader back, which pauses socket reads: that is how a slow tape
/// pushes back on the sender instead of losing frames, so never buffer without bound here. A thrown error stops
/// the recorder and is rethrown from ``Recorder/run()``.
public protocol RecordingSink: Sendable {
    /// A handshake completed: `epoch` (1, 2, 3 … without gaps) begins.
    func beginEpoch(_ epoch: Int, info: EpochInfo) async throws
    /// One message of `epoch`, inbound (stamped on arrival) or outbound (stamped when written).
    func record(_ message: WebSocketMessage, direction: Direction, epoch: Int) async throws
    /// A lifecycle event.
    func lifecycle(_ event: RecorderEvent) async throws
}
