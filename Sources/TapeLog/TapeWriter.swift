import Exchange
import Foundation

/// Appends frames and lifecycle events to a new tape from any thread, committing in groups on a
/// thread of its own: SQLite runs on its own thread, so the network loop only stamps and
/// enqueues.
///
/// Frames go through a two-stage pipeline: compressor threads extract facts and deflate whole
/// blocks while the SQLite thread inserts the blocks before them, so compression overlaps the
/// I/O. Blocks are inserted in the order they were filled, and a transaction always ends after
/// a whole block, so a commit holds whole frames with their payloads and facts.
///
/// The pipeline is bounded: when the writer falls behind, ``append(_:)`` blocks (or the async
/// overload suspends) instead of dropping, so a network reader that awaits it stops reading the
/// socket and TCP pushes back. Order is checked at enqueue time: epochs 1, 2, 3 … each opened
/// by a `connect` event, seq 1, 2, 3 … within an epoch, a `loss` event the only way to skip.
public final class TapeWriter: @unchecked Sendable {
    /// The tape's path.
    public let path: String
    let options: WriterOptions
    /// Extracts the facts of inbound data frames; nil for none.
    let profile: (any ExchangeProfile)?
    let commitNs: UInt64
    let monitor = Monitor()
    /// Producers wait here for room in the pipeline.
    let roomFreed: Monitor.Condition
    /// Compressors wait here for sealed blocks.
    let workReady: Monitor.Condition
    /// The SQLite thread waits here for packed blocks, flush and close requests, or its timer.
    let writerWake: Monitor.Condition
    /// flush() and close() wait here.
    let progress: Monitor.Condition

    // Guarded by `monitor`.
    /// Items not yet sealed into a block, and their payload bytes and frames.
    var open: [Item] = []
    var openBytes = 0
    var openFrames = 0
    /// Frames enqueued and not yet inserted: what the pipeline's bound counts.
    var inFlightFrames = 0
    /// Sealed blocks not yet inserted, in order; and those no compressor has taken yet.
    var sealed = JobQueue()
    var unpacked = JobQueue()
    /// Monotonic time the current transaction's first item was enqueued, and its frames so far.
    var transactionSince: UInt64?
    var transactionFrames = 0
    var waiters: [CheckedContinuation<Void, Never>] = []
    var closing = false
    var closeHandled = false
    var flushRequested: Int64 = 0
    var flushHandled: Int64 = 0
    var flushedGeneration: Int64 = 0
    var failure: TapeError?
    var finished = false
    var compressorsStop = false
    var statsSnapshot = WriterStats()
    var order = OrderCheck()

    enum Item {
        case frame(FrameRecord)
        case event(LifecycleRecord)
        case relay(RelayRow)
    }

    /// Creates `path` (mode 0600; an existing file is refused), applies the schema and writes the
    /// session row, then starts the SQLite thread and the compressor threads.
    ///
    /// `profile` is the exchange profile that extracts each inbound data frame's facts into
    /// `frame_facts` at write time; nil stores frames without facts (the raw baseline bench does).
    public init(
        path: String,
        session: SessionInfo,
        profile: (any ExchangeProfile)?,
        options: WriterOptions = WriterOptions()
    ) throws(TapeError) {
        self.path = path
        self.profile = profile
        self.options = options
        commitNs = UInt64(max(options.commitMs, 0)) * 1_000_000
        roomFreed = Monitor.Condition(monitor)
        workReady = Monitor.Condition(monitor)
        writerWake = Monitor.Condition(monitor)
        progress = Monitor.Condition(monitor)
        open.reserveCapacity(256)
        // The store is created here, so that a bad path fails the initializer, then handed over
        // to the SQLite thread, which is its only user from then on.
        let store = UnsafeTransfer(try TapeStore(creating: path, session: session, options: options))
        let thread = Thread { [self] in self.runWriter(store.value) }
        thread.name = "ticktape-writer"
        thread.start()
        for i in 0..<max(1, options.compressors) {
            let compressor = Thread { [self] in self.runCompressor() }
            compressor.name = "ticktape-deflate-\(i)"
            compressor.start()
        }
    }

    /// A consistent copy of the counters.
    public var stats: WriterStats {
        monitor.lock()
        defer { monitor.unlock() }
        return statsSnapshot
    }

    /// The epoch currently open (0 before the first connect) and the last seq appended in it.
    public var position: (epoch: UInt32, seq: UInt64) {
        monitor.lock()
        defer { monitor.unlock() }
        return (order.epoch, order.nextSeq - 1)
    }

    /// Enqueues a frame, blocking the calling thread while the pipeline is full.
    public func append(_ frame: FrameRecord) throws(TapeError) {
        try enqueue(.frame(frame), blocking: true)
    }

    /// Suspends while the pipeline is full, without blocking a thread: the async caller's reads
    /// pause, and TCP pushes back instead of frames being dropped. Stamp and ``append(_:)`` after it
    /// returns, so that stamps are taken in the order frames are enqueued.
    public func waitUntilWritable() async {
        if hasSpace() { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            parkUnlessSpace(continuation)
        }
    }

    private func hasSpace() -> Bool {
        monitor.lock()
        defer { monitor.unlock() }
        return inFlightFrames < options.queueCapacity || failure != nil || closing
    }

    private func parkUnlessSpace(_ continuation: CheckedContinuation<Void, Never>) {
        monitor.lock()
        if inFlightFrames < options.queueCapacity || failure != nil || closing {
            monitor.unlock()
            continuation.resume()
        } else {
            waiters.append(continuation)
            monitor.unlock()
        }
    }

    /// Enqueues a lifecycle event. Events never wait for room: they are few.
    public func record(_ event: LifecycleRecord) throws(TapeError) {
        try enqueue(.event(event), blocking: false)
    }

    /// Enqueues a relay row (the tape must have been created with ``WriterOptions/relayRules``):
    /// committed in order with the frames, in the same transactions. Never waits for room.
    public func record(relay row: RelayRow) throws(TapeError) {
        try enqueue(.relay(row), blocking: false)
    }

    /// Waits until everything enqueued so far is committed.
    public func flush() throws(TapeError) {
        monitor.lock()
        defer { monitor.unlock() }
        flushRequested += 1
        let target = flushRequested
        writerWake.signal()
        while flushedGeneration < target && failure == nil && !finished { progress.wait() }
        if let failure { throw failure }
    }

    /// Commits what is queued, stops the threads and closes the file. Idempotent.
    @discardableResult
    public func close() throws(TapeError) -> WriterStats {
        monitor.lock()
        closing = true
        writerWake.signal()
        roomFreed.broadcast()
        let parked = waiters
        waiters.removeAll()
        while !finished { progress.wait() }
        let stats = statsSnapshot
        let failure = self.failure
        monitor.unlock()
        for waiter in parked { waiter.resume() }
        if let failure { throw failure }
        return stats
    }

    private func enqueue(_ item: Item, blocking: Bool) throws(TapeError) {
        monitor.lock()
        defer { monitor.unlock() }
        while blocking && inFlightFrames >= options.queueCapacity && failure == nil && !closing { roomFreed.wait() }
        if let failure { throw failure }
        if closing { throw TapeError.writerClosed(reason: "closed") }
        try order.check(item)
        if transactionSince == nil {
            transactionSince = monotonicNs()
            writerWake.signal()  // it may be waiting without a deadline
        }
        open.append(item)
        if case .frame(let frame) = item {
            openBytes += frame.payload.count
            openFrames += 1
            inFlightFrames += 1
            transactionFrames += 1
        }
        if transactionFrames >= options.commitFrames {
            sealLocked(commitAfter: true, flushTarget: 0)
        } else if openBytes >= options.blockBytes || inFlightFrames >= options.queueCapacity {
            // A full pipeline seals what is open: the next producer will wait for room, and only
            // inserting these frames makes room.
            sealLocked(commitAfter: false, flushTarget: 0)
        }
    }
}

/// Hands a non-Sendable value to exactly one other thread, which owns it from then on.
struct UnsafeTransfer<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
