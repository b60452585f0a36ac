/// A sealed block on its way through the pipeline. Its fields are guarded by the writer's
/// monitor, except while one compressor owns it (between taking `items` and setting `packed`).
final class BlockJob: @unchecked Sendable {
    var items: [TapeWriter.Item]
    let frames: Int
    /// The SQLite thread commits right after inserting this block.
    var commitAfter = false
    /// flush() generation that is durable once this block is committed.
    var flushTarget: Int64 = 0
    var packed: PackedBlock?

    init(items: [TapeWriter.Item], frames: Int) {
        self.items = items
        self.frames = frames
    }
}

/// FIFO of jobs (an array with a moving head; a handful of entries at a time).
struct JobQueue {
    private var jobs: [BlockJob] = []
    private var head = 0

    var isEmpty: Bool { head == jobs.count }
    var first: BlockJob? { isEmpty ? nil : jobs[head] }
    var last: BlockJob? { isEmpty ? nil : jobs[jobs.count - 1] }

    mutating func append(_ job: BlockJob) { jobs.append(job) }

    mutating func popFirst() -> BlockJob? {
        guard !isEmpty else { return nil }
        let job = jobs[head]
        head += 1
        if head == jobs.count {
            jobs.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 64 {
            jobs.removeFirst(head)
            head = 0
        }
        return job
    }
}

extension TapeWriter {
    /// Turns the open items into a block for the compressors. Caller holds the monitor.
    func sealLocked(commitAfter: Bool, flushTarget: Int64) {
        let job = BlockJob(items: open, frames: openFrames)
        job.commitAfter = commitAfter
        job.flushTarget = flushTarget
        open = []
        open.reserveCapacity(256)
        openBytes = 0
        openFrames = 0
        if commitAfter {
            transactionSince = nil
            transactionFrames = 0
        }
        sealed.append(job)
        unpacked.append(job)
        workReady.signal()
    }

    /// Ends the current transaction after everything enqueued so far: seals the open items, or
    /// marks the last sealed block, or (nothing pending) asks the SQLite thread to commit what
    /// it holds. Caller holds the monitor and is the SQLite thread.
    private func requestCommitLocked(_ store: TapeStore) -> Bool {
        let target = flushRequested
        flushHandled = target
        var commitNow = false
        if !open.isEmpty {
            sealLocked(commitAfter: true, flushTarget: target)
        } else if let last = sealed.last {
            last.commitAfter = true
            last.flushTarget = max(last.flushTarget, target)
        } else if store.inTransaction {
            commitNow = true
        } else {
            flushedGeneration = max(flushedGeneration, target)
            progress.broadcast()
        }
        transactionSince = nil
        transactionFrames = 0
        return commitNow
    }

    func runCompressor() {
        var packer = BlockPacker(level: options.deflateLevel)
        monitor.lock()
        while true {
            if let job = unpacked.popFirst() {
                let items = job.items
                job.items = []
                monitor.unlock()
                let packed = packer.pack(items, profile: profile)
                monitor.lock()
                job.packed = packed
                writerWake.signal()
                continue
            }
            if compressorsStop { break }
            workReady.wait()
        }
        monitor.unlock()
        packer.end()
    }

    func runWriter(_ store: TapeStore) {
        monitor.lock()
        while true {
            // Under the lock: find the next thing to do.
            var job: BlockJob?
            var commitNow = false
            var done = false
            while true {
                if failure != nil {
                    done = true
                    break
                }
                let due = transactionSince.map { monotonicNs() >= $0 + commitNs } ?? false
                let closeDue = closing && !closeHandled
                if due || closeDue || flushRequested > flushHandled {
                    if closeDue { closeHandled = true }
                    commitNow = requestCommitLocked(store)
                }
                if let head = sealed.first, head.packed != nil {
                    job = sealed.popFirst()
                    break
                }
                if commitNow { break }
                if closing && sealed.isEmpty && open.isEmpty && !store.inTransaction {
                    done = true
                    break
                }
                if let since = transactionSince {
                    writerWake.wait(until: since + commitNs)
                } else {
                    writerWake.wait()
                }
            }
            if done { break }
            monitor.unlock()
            var committed = false
            var outcome: TapeError?
            do throws(TapeError) {
                if let job, let packed = job.packed {
                    try store.insert(packed)
                    if job.commitAfter {
                        try store.commit()
                        committed = true
                    }
                } else if commitNow {
                    try store.commit()
                    committed = true
                }
            } catch {
                outcome = error
            }
            monitor.lock()
            if let job {
                inFlightFrames -= job.frames
                roomFreedLocked()
            }
            if committed { flushedGeneration = max(flushedGeneration, job?.flushTarget ?? flushHandled) }
            statsSnapshot = store.stats
            if let outcome { failure = outcome }
            progress.broadcast()
        }
        compressorsStop = true
        workReady.broadcast()
        monitor.unlock()
        store.shutdown()
        monitor.lock()
        finished = true
        roomFreed.broadcast()
        progress.broadcast()
        let parked = waiters
        waiters.removeAll()
        monitor.unlock()
        for waiter in parked { waiter.resume() }
    }

    /// Wakes blocked producers and resumes parked async ones once there is room (or there never
    /// will be). Caller holds the monitor.
    private func roomFreedLocked() {
        guard inFlightFrames < options.queueCapacity || failure != nil else { return }
        roomFreed.broadcast()
        guard !waiters.isEmpty else { return }
        let parked = waiters
        waiters.removeAll()
        // Resuming only schedules the continuations, so doing it under the lock is safe.
        for waiter in parked { waiter.resume() }
    }
}
