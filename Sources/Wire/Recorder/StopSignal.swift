import Primitives

/// A one-shot "please stop" that sleeping tasks can wait on.
///
/// The recorder's loop runs shielded from task cancellation (it must still send close 1000 and
/// wait for the reply after a SIGINT); cancellation fires this signal instead.
final class StopSignal: Sendable {
    private struct State {
        var fired = false
        var nextID = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var cancelled: Set<Int> = []
    }

    private let state = Locked(State())

    var isFired: Bool { self.state.withLock { $0.fired } }

    func fire() {
        let waiters = self.state.withLock { state in
            state.fired = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns when fired or when the calling task is cancelled.
    func wait() async {
        let id = self.state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = self.state.withLock { state in
                    if state.fired || state.cancelled.remove(id) != nil { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
                if let waiter = state.waiters.removeValue(forKey: id) { return waiter }
                if !state.fired { state.cancelled.insert(id) }
                return nil
            }
            waiter?.resume()
        }
    }

    /// Sleeps `nanos` unless fired first; returns whether it was fired. Returns early, unfired,
    /// if the calling task is cancelled.
    func sleep(nanos: Int64) async -> Bool {
        if self.isFired { return true }
        guard nanos > 0 else { return false }
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                try? await Task.sleep(nanoseconds: UInt64(nanos))
                return false
            }
            group.addTask {
                // `wait()` also returns when this task is cancelled: that is not a stop. (A
                // recorder whose reader ended cancels its timer task mid-sleep; reporting `true`
                // there made it stop for good instead of reconnecting.)
                await self.wait()
                return self.isFired
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first || self.isFired
        }
    }
}
