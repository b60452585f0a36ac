#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Names the target, seed and input when the code under test traps: a trap kills the process,
/// so a signal handler (on its own stack, in case the trap is a stack overflow) writes the
/// current input as hex with async-signal-safe `write(2)` calls, then lets the signal kill us.
enum CrashReport {
    // Written by the single fuzzing thread before each input, read only by the signal handler.
    nonisolated(unsafe) private static var target: [CChar] = [0]
    nonisolated(unsafe) private static var seed: UInt64 = 0
    nonisolated(unsafe) private static var index: UInt64 = 0
    nonisolated(unsafe) private static var input = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
    nonisolated(unsafe) private static var scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: 4_096)

    /// Installs the handler for the signals a Swift trap, an abort or a stack overflow raise.
    static func install(target name: String, seed: UInt64) {
        target = Array(name.utf8CString)
        self.seed = seed
        _ = scratch
        var stack = stack_t()
        stack.ss_size = 1 << 16
        stack.ss_sp = UnsafeMutableRawPointer.allocate(byteCount: stack.ss_size, alignment: 16)
        stack.ss_flags = 0
        sigaltstack(&stack, nil)
        for sig in [SIGILL, SIGTRAP, SIGABRT, SIGSEGV, SIGBUS, SIGFPE] {
            var action = sigaction()
            #if canImport(Glibc)
            action.__sigaction_handler.sa_handler = CrashReport.handle
            #else
            action.__sigaction_u.__sa_handler = CrashReport.handle
            #endif
            action.sa_flags = Int32(SA_ONSTACK)
            sigaction(sig, &action, nil)
        }
    }

    /// Runs `body` with `bytes` recorded as the current input (number `index`).
    static func current<R>(_ bytes: [UInt8], index: Int, _ body: () -> R) -> R {
        self.index = UInt64(index)
        return bytes.withUnsafeBufferPointer { buffer in
            input = buffer
            defer { input = UnsafeBufferPointer(start: nil, count: 0) }
            return body()
        }
    }

    private static let handle: @convention(c) (Int32) -> Void = { sig in
        CrashReport.report(signal: sig)
        signal(sig, SIG_DFL)
        raise(sig)
    }

    private static func report(signal sig: Int32) {
        put("\nticktape-fuzz: TRAP (signal ")
        putNumber(UInt64(sig))
        put(") in target ")
        target.withUnsafeBufferPointer { _ = write(2, $0.baseAddress, strlen($0.baseAddress!)) }
        put(", seed ")
        putNumber(seed)
        put(", input #")
        putNumber(index)
        put(", ")
        putNumber(UInt64(input.count))
        put(" bytes\ninput hex: ")
        let digits: StaticString = "0123456789abcdef"
        var k = 0
        for byte in input {
            scratch[k] = digits.utf8Start[Int(byte >> 4)]
            scratch[k + 1] = digits.utf8Start[Int(byte & 15)]
            k += 2
            if k == 4_096 {
                _ = write(2, scratch, k)
                k = 0
            }
        }
        scratch[k] = 0x0A
        _ = write(2, scratch, k + 1)
    }

    private static func put(_ s: StaticString) { _ = write(2, s.utf8Start, s.utf8CodeUnitCount) }

    private static func putNumber(_ value: UInt64) {
        var v = value
        var k = 32
        repeat {
            k -= 1
            scratch[k] = 0x30 + UInt8(v % 10)
            v /= 10
        } while v > 0
        _ = write(2, scratch + k, 32 - k)
    }
}
