import Foundation
import Primitives

/// A task executor with threads of its own, for a recorder or relay embedded in a busy process.
///
/// Swift's cooperative pool has one thread per core. An application whose own work keeps those
/// threads busy (long synchronous computations, a test runner's CPU-bound tests) delays every
/// other task: a recorder then stops reading its socket and a relay stops writing to its
/// clients until a thread is free. Tasks that prefer this executor
/// (``RecorderConfiguration/executor``) run on its threads instead, and the kernel shares the
/// cores between them and the rest. Its tasks must not block a thread: unlike the cooperative
/// pool, it does not add threads when one blocks.
///
/// Its threads live as long as the process: make one and share it.
public final class DedicatedExecutor: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var head = 0
    private let workers = Locked<Set<pthread_t>>([])

    /// Starts `threads` threads named `name-0`, `name-1`, … (as the kernel shows them: keep
    /// `name` under 13 characters).
    public init(threads: Int = 2, name: String = "ticktape") {
        for index in 0..<max(1, threads) {
            let thread = Thread { [self] in
                // Named from inside: Linux threads otherwise inherit their creator's name.
                Thread.current.name = "\(name)-\(index)"
                self.workers.withLock { _ = $0.insert(pthread_self()) }
                self.work()
            }
            thread.start()
        }
    }

    /// Whether the calling thread is one of this executor's (as `EventLoop.inEventLoop` is for
    /// an event loop): for assertions.
    public var isCurrent: Bool {
        let me = pthread_self()
        return self.workers.withLock { $0.contains(me) }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        self.condition.lock()
        self.jobs.append(job)
        self.condition.signal()
        self.condition.unlock()
    }

    private func work() {
        while true {
            self.condition.lock()
            while self.head == self.jobs.count { self.condition.wait() }
            let job = self.jobs[self.head]
            self.head += 1
            if self.head == self.jobs.count {
                self.jobs.removeAll(keepingCapacity: true)
                self.head = 0
            } else if self.head >= 4096 {
                self.jobs.removeFirst(self.head)
                self.head = 0
            }
            self.condition.unlock()
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}
