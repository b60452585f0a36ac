import TapeLog

/// The replay task: passes over the tape, paced, publishing each entry to every listener.
extension TapeMarket {
    /// Why a pass stopped early.
    private enum Stop: Error {
        case cancelled
        case failed(TapeError)
    }

    /// Passes from `startNs` on the replay clock; each loop pass begins where the previous one's
    /// schedule ended, so looping does not drift.
    func run(startNs: Int64) async {
        var startNs = startNs
        while true {
            let published: Int
            do {
                (published, startNs) = try await self.pass(startNs: startNs)
            } catch .failed(let error) {
                self.end(failure: error)
                return
            } catch {
                return  // stop() cancelled us and already ended everything
            }
            guard self.options.loop, published > 0, !Task.isCancelled else { break }
            self.wrap()
        }
        self.end(failure: nil)
    }

    /// One pass over the tape with a reader of its own; returns how many events it published and
    /// the time its schedule ended.
    private func pass(startNs: Int64) async throws(Stop) -> (Int, Int64) {
        let clock = self.options.clock
        var pacer = ReplayPacer(speed: self.options.speed, startNs: startNs)
        var published = 0
        var read = 0
        do {
            let reader = try TapeReader(path: self.path)
            let cursor = try reader.arrivals()
            while let entry = try cursor.next() {
                if Task.isCancelled { throw Stop.cancelled }
                read += 1
                if let due = pacer.due(monoNs: Self.monoNs(of: entry)) {
                    do { try await clock.sleep(until: due) } catch { throw Stop.cancelled }
                } else {
                    // max: as fast as the slowest listener takes it, and never hog a pool thread.
                    if read % 256 == 0 { await Task.yield() }
                    try await self.waitForRoom()
                }
                if self.publish(entry) { published += 1 }
            }
        } catch let error as TapeError {
            throw .failed(error)
        } catch let stop as Stop {
            throw stop
        } catch {
            throw .cancelled
        }
        return (published, Swift.max(pacer.lastDue, clock.now()))
    }

    private static func monoNs(of entry: TapeEntry) -> Int64 {
        switch entry {
        case .frame(let frame): frame.record.monoNs
        case .event(let event): event.monoNs
        }
    }

    /// Applies `entry` and offers what it yields to every listener; cuts the ones that are full.
    /// Returns whether anything was published.
    private func publish(_ entry: TapeEntry) -> Bool {
        self.core.withLock { core in
            guard let event = core.replay.apply(entry) else { return false }
            self.broadcast(event, &core)
            return true
        }
    }

    private func broadcast(_ event: ExchangeEvent, _ core: inout Core) {
        switch event {
        case .message: core.framesSent += 1
        case .disconnectAll: core.disconnects += 1
        case .expirePrivate: break
        }
        for (id, listener) in core.listeners {
            switch listener.offer(event) {
            case .accepted:
                continue
            case .full:
                let behind = listener.capacity
                listener.cut(
                    with: .disconnectAll(code: 1008, reason: "too slow: \(behind) events behind", abrupt: false)
                )
                core.listenersCut += 1
                core.listeners[id] = nil
            case .closed:
                core.listeners[id] = nil
            }
        }
        if case .disconnectAll = event {
            // Every client was told to go: none of them takes anything more (what is queued still
            // reaches it). The replay goes on for the clients that come back.
            for listener in core.listeners.values { listener.finish() }
            core.listeners = [:]
            core.awaitingSubscription = true
        }
    }

    /// At `max` speed: waits while nobody listens, then until every listener has room.
    private func waitForRoom() async throws(Stop) {
        while true {
            if Task.isCancelled { throw .cancelled }
            let (anyone, full) = self.core.withLock { core in
                (!core.listeners.isEmpty && !core.awaitingSubscription, core.listeners.values.first { $0.isFull })
            }
            if let full {
                await full.waitForRoom()
            } else if anyone {
                return
            } else {
                await self.waitForListener()
            }
        }
    }

    private func waitForListener() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let wait = self.core.withLock { core in
                    guard !Task.isCancelled, core.listeners.isEmpty || core.awaitingSubscription,
                        core.phase == .running
                    else { return false }
                    core.listenerWaiter = continuation
                    return true
                }
                if !wait { continuation.resume() }
            }
        } onCancel: {
            let waiter = self.core.withLock { core in
                defer { core.listenerWaiter = nil }
                return core.listenerWaiter
            }
            waiter?.resume()
        }
    }

    /// Between passes of `loop`: state cleared, and with `replayDisconnects` everyone closed.
    private func wrap() {
        self.core.withLock { core in
            core.replay = self.freshState()
            core.pass += 1
            if self.options.replayDisconnects {
                self.broadcast(.disconnectAll(code: 1001, reason: "replay restarts", abrupt: false), &core)
            }
        }
    }

    /// The replay ended by itself: listeners stay open (snapshots still valid) unless it failed.
    private func end(failure: TapeError?) {
        let (waiters, listeners) = self.core.withLock { core in
            if core.phase == .running { core.phase = .finished }
            core.failure = failure
            defer {
                core.finishWaiters = []
                if failure != nil { core.listeners = [:] }
            }
            return (core.finishWaiters, failure != nil ? Array(core.listeners.values) : [])
        }
        for listener in listeners { listener.finish() }
        for waiter in waiters { waiter.resume() }
    }
}
