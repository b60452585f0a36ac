import Foundation

/// A child process for tests: stdout and stderr go to temporary files, every wait is async and
/// bounded, and a child still running when its owner goes away is killed.
///
/// Why files and not pipes: a pipe's reader sees EOF only once every process holding its write
/// end has closed it. On Linux, Foundation's `Process` emulates "close every other descriptor"
/// by closing 3…(the highest fd open when it looked) in the child, so a pipe another test opens
/// at that moment can leak into a long-lived child (a recorder, a server) and hold that test's
/// read-to-EOF hostage until the child ends. A file has no EOF to wait for.
///
/// Why async waits: Swift Testing runs tests on the cooperative pool, which has one thread per
/// core (two on CI). A test that blocks a thread in `waitUntilExit`, `usleep` or a pipe read
/// starves every other test of that thread, and two of them stall the whole run.
public final class ChildProcess: @unchecked Sendable {
    /// The underlying process (already running).
    public let process = Process()
    private let directory: String
    private let outPath: String
    private let errPath: String

    /// Starts `executable` with `arguments`; `stdin` (if given) is fed from a file.
    public init(
        executable: String,
        _ arguments: [String],
        environment: [String: String]? = nil,
        stdin: String? = nil,
        in workingDirectory: String? = nil
    ) throws {
        self.directory = FileManager.default.temporaryDirectory.path + "/ticktape-child-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: self.directory, withIntermediateDirectories: true)
        self.outPath = self.directory + "/stdout"
        self.errPath = self.directory + "/stderr"
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        if let workingDirectory { process.currentDirectoryURL = URL(fileURLWithPath: workingDirectory) }
        let out = try Self.create(self.outPath)
        let err = try Self.create(self.errPath)
        // The child has its own copies once it runs; ours are not needed after that.
        defer {
            try? out.close()
            try? err.close()
        }
        process.standardOutput = out
        process.standardError = err
        if let stdin {
            let path = self.directory + "/stdin"
            try Data(stdin.utf8).write(to: URL(fileURLWithPath: path))
            let input = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
            defer { try? input.close() }
            process.standardInput = input
            try process.run()
        } else {
            process.standardInput = FileHandle.nullDevice
            try process.run()
        }
    }

    /// Starts the built `ticktape` executable.
    public convenience init(
        ticktape arguments: [String],
        environment: [String: String]? = nil,
        stdin: String? = nil,
        in workingDirectory: String? = nil
    )
        throws
    {
        try self.init(
            executable: ticktapeBinary(),
            arguments,
            environment: environment,
            stdin: stdin,
            in: workingDirectory
        )
    }

    deinit {
        self.kill()
        try? FileManager.default.removeItem(atPath: self.directory)
    }

    public var isRunning: Bool { process.isRunning }

    /// Sends `signal` (SIGINT, SIGTERM, SIGKILL) if the child still runs.
    public func send(_ signal: Int32) {
        if process.isRunning { Foundation.kill(process.processIdentifier, signal) }
    }

    public func kill() { send(SIGKILL) }

    /// Waits for the exit at most `seconds` (or until the task is cancelled, e.g. by a test's
    /// time limit); past that, kills the child and returns false.
    @discardableResult
    public func wait(seconds: Double) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while process.isRunning {
            guard ContinuousClock.now < deadline, !Task.isCancelled else {
                self.kill()
                self.reap()
                return false
            }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return true
    }

    /// As ``wait(seconds:)`` for a synchronous caller and a child known to be quick (a probe, the
    /// sqlite3 shell): polls in place, so it holds its thread meanwhile; bounded all the same.
    public func waitBlocking(seconds: Double) -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while process.isRunning {
            guard ContinuousClock.now < deadline else {
                self.kill()
                self.reap()
                return false
            }
            usleep(1_000)
        }
        return true
    }

    /// After a SIGKILL the exit is a matter of microseconds: wait for Foundation to notice.
    private func reap() {
        let deadline = ContinuousClock.now + .seconds(10)
        while process.isRunning && ContinuousClock.now < deadline { usleep(1_000) }
    }

    /// Waits (bounded, polling) until stdout holds a complete first line; nil if the child ended
    /// or the time ran out first.
    public func firstLine(seconds: Double) async -> String? {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            let text = self.stdout
            if let newline = text.firstIndex(of: "\n") { return String(text[..<newline]) }
            if !process.isRunning, !self.stdout.contains("\n") { return nil }
            if Task.isCancelled { return nil }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return nil
    }

    /// Exit status (or the signal number when killed); -1 while the child runs.
    public var status: Int32 { process.isRunning ? -1 : process.terminationStatus }
    public var killedBySignal: Bool { !process.isRunning && process.terminationReason == .uncaughtSignal }
    /// What the child has written so far.
    public var stdout: String { Self.read(self.outPath) }
    public var stderr: String { Self.read(self.errPath) }

    private static func create(_ path: String) throws -> FileHandle {
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
        return try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    }

    private static func read(_ path: String) -> String {
        String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self)
    }
}
