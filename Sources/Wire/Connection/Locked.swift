import Foundation

/// A value guarded by a lock, for the little state that tasks of one connection share.
///
/// (`Synchronization.Mutex` would need macOS 15 while the package supports macOS 14, and NIO's
/// lock box lives in a product Wire does not depend on.)
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) {
        self.value = value
    }

    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        self.lock.lock()
        defer { self.lock.unlock() }
        return try body(&self.value)
    }
}
