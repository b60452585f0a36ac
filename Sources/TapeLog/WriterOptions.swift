import Foundation

/// How a ``TapeWriter`` trades durability, latency and throughput.
public struct WriterOptions: Sendable {
    /// `synchronous` level in WAL mode; the README documents each level's loss window.
    public var sync: SyncLevel = .normal
    /// Group commit interval in ms (`--commit-ms`, default 50): a transaction stays open at most
    /// this long.
    public var commitMs: Int64 = 50
    /// …or until this many frames are in it, whichever comes first.
    public var commitFrames: Int = 8192
    /// Frames that may be in the pipeline (enqueued, not yet inserted) before `append` pushes
    /// back (blocks or suspends).
    public var queueCapacity: Int = 16384
    /// Raw bytes per payload block; a commit window's payloads fill one or more blocks.
    /// Reading one frame inflates at most one block, so a block stays small enough for that to be
    /// cheap; larger blocks make a smaller file (fewer half-empty pages, more of each stream
    /// inside one block).
    public var blockBytes: Int = 512 * 1024
    /// Threads that extract facts and deflate blocks while the SQLite thread inserts earlier ones.
    /// Blocks are still inserted in order; more threads only let compression use more cores.
    public var compressors: Int = min(2, max(1, ProcessInfo.processInfo.activeProcessorCount))
    /// zlib level of the payload blocks (1 fastest … 9 smallest).
    public var deflateLevel: Int32 = 1
    /// A relay tape: the relay tables (`Schemas/relay.sql`) are created with the tape, with these
    /// rule options in `relay_session`; nil for any other tape.
    public var relayRules: String?
    public init() {}
}

/// What a writer has done so far; cheap to read at any time.
public struct WriterStats: Sendable, Hashable {
    /// Frames committed (durable at the session's sync level).
    public var framesCommitted: Int64 = 0
    /// Lifecycle events committed.
    public var eventsCommitted: Int64 = 0
    /// Payload bytes before compression.
    public var rawBytes: Int64 = 0
    /// Payload bytes as stored (compressed blocks).
    public var storedBytes: Int64 = 0
    /// Transactions committed.
    public var commits: Int64 = 0
    /// Arrival → commit latency (wall clock), for frames committed so far.
    public var commitLatency = LatencyHistogram()

    public init() {}
}
