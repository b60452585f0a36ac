import Foundation

/// One mutex with several condition variables, so that each kind of waiter (producers waiting
/// for room, compressors waiting for blocks, the SQLite thread waiting for results) is woken
/// only by what it waits for. `NSCondition` ties one condition to one lock, which would make
/// every per-frame enqueue a broadcast to all threads.
///
/// Conditions time out on CLOCK_MONOTONIC (``monotonicNs()``), so a wall-clock step never
/// stretches or cuts a group-commit window.
final class Monitor: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    init() { pthread_mutex_init(mutex, nil) }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    func lock() { pthread_mutex_lock(mutex) }
    func unlock() { pthread_mutex_unlock(mutex) }

    /// A condition variable bound to this monitor's mutex; wait only while holding the lock.
    final class Condition: @unchecked Sendable {
        private let cond = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
        private unowned let monitor: Monitor
        /// Threads waiting right now (guarded by the monitor), so signalling can be skipped.
        private(set) var waiting = 0

        init(_ monitor: Monitor) {
            self.monitor = monitor
            var attributes = pthread_condattr_t()
            pthread_condattr_init(&attributes)
            pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
            pthread_cond_init(cond, &attributes)
            pthread_condattr_destroy(&attributes)
        }

        deinit {
            pthread_cond_destroy(cond)
            cond.deallocate()
        }

        func wait() {
            waiting += 1
            pthread_cond_wait(cond, monitor.mutex)
            waiting -= 1
        }

        /// Waits until signalled or until the monotonic clock reaches `deadline` (ns).
        func wait(until deadline: UInt64) {
            var ts = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
            waiting += 1
            pthread_cond_timedwait(cond, monitor.mutex, &ts)
            waiting -= 1
        }

        func signal() { if waiting > 0 { pthread_cond_signal(cond) } }
        func broadcast() { if waiting > 0 { pthread_cond_broadcast(cond) } }
    }
}

/// CLOCK_MONOTONIC in nanoseconds: the clock the writer's commit windows and stamps use (the
/// benchmarks time with it too).
public func monotonicNs() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// Wall clock in Unix nanoseconds.
public func wallClockNs() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
}
