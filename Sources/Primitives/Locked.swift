import Foundation

/// A value guarded by a lock, for the little state that threads or tasks share.
///
/// The one lock type of the project: `withLock` is the only way to the value, so no access can
/// forget the lock. (`Synchronization.Mutex` is not copyable and cannot be captured by escaping
/// closures; a class around a lock can.)
public final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    /// A lock around `value`.
    public init(_ value: Value) {
        self.value = value
    }

    /// Runs `body` with exclusive access to the value.
    public func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        self.lock.lock()
        defer { self.lock.unlock() }
        return try body(&self.value)
    }
}
