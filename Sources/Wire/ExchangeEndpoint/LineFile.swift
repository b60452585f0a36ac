import Foundation
import Primitives

/// An append-only file of lines, buffered and written in 64 KiB chunks: what the servers' logs
/// (`simulate --truth`, `serve --sent-log`) are written with. Safe to append to from any thread.
public final class LineFile: Sendable {
    private struct Output {
        var fd: Int32
        var buffer: [UInt8] = []
    }

    private let output: Locked<Output>

    /// Creates (or truncates) `path`, mode 0600; the error is `strerror`'s text.
    public init(path: String) throws(LineFileError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw LineFileError(reason: String(cString: strerror(errno))) }
        self.output = Locked(Output(fd: fd))
    }

    /// Appends `line` and a newline; writes the buffer out when it reaches 64 KiB, or now when
    /// `flush` is set.
    public func append(_ line: some Sequence<UInt8>, flush: Bool = false) {
        self.output.withLock { output in
            output.buffer += line
            output.buffer.append(0x0A)
            if flush || output.buffer.count >= 1 << 16 { Self.flush(&output) }
        }
    }

    /// Writes what is buffered and closes the file; later lines are dropped.
    public func close() {
        self.output.withLock { output in
            Self.flush(&output)
            if output.fd >= 0 { _ = Foundation.close(output.fd) }
            output.fd = -1
        }
    }

    private static func flush(_ output: inout Output) {
        defer { output.buffer.removeAll(keepingCapacity: true) }
        guard output.fd >= 0 else { return }
        output.buffer.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(output.fd, raw.baseAddress! + offset, raw.count - offset)
                if n <= 0 { break }
                offset += n
            }
        }
    }
}

/// A ``LineFile`` that could not be created.
public struct LineFileError: Error, Sendable, Equatable {
    /// Why, as the system says it.
    public var reason: String
}
