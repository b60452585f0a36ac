import TapeLog

/// Why a recording could not start or did not finish cleanly. One stable line each.
public enum RecordingError: Error, CustomStringConvertible, Sendable {
    /// Creating or writing the tape failed (an existing `--out` is `.tape(.exists)`).
    case tape(TapeError)
    /// `--private` without `UPBIT_ACCESS_KEY`/`UPBIT_SECRET_KEY` (the names missing).
    case missingCredentials([String])
    /// `--private` over plain `ws://` to a host that is not loopback: the bearer token would
    /// cross the network in clear. Carries the URL as shown (no user info).
    case privateNeedsTLS(String)
    /// The TLS context (system trust roots) could not be built.
    case tls(String)
    /// The recorder failed for another reason.
    case recorder(String)

    public var description: String {
        switch self {
        case .tape(let error): error.description
        case .missingCredentials(let names):
            "--private needs \(names.joined(separator: " and ")) in the environment"
        case .privateNeedsTLS(let url):
            "--private sends a bearer token and needs wss:// (plain ws:// only to a loopback host: "
                + "127.0.0.0/8, ::1, localhost), got \(url)"
        case .tls(let reason): "cannot set up TLS: \(reason)"
        case .recorder(let reason): "recorder failed: \(reason)"
        }
    }

    /// Caused by what the user gave (exit 2) rather than by the run (exit 3).
    public var isBadInput: Bool {
        switch self {
        case .tape(let error): error.isBadInput
        case .missingCredentials, .privateNeedsTLS: true
        case .tls, .recorder: false
        }
    }
}

extension RecordingRun {
    /// Why a recording stopped.
    public enum StopReason: String, Sendable, Equatable {
        /// The configured duration elapsed.
        case duration
        /// The configured number of frames was recorded.
        case maxFrames = "max-frames"
        /// ``RecordingRun/stop()`` was called or the running task was cancelled (a signal).
        case stopped
    }

    /// A live view of a running recording (the CLI's status line).
    public struct Status: Sendable, Equatable {
        /// Frames enqueued so far (inbound and outbound) and their payload bytes.
        public var frames: Int64
        public var bytes: Int64
        /// The epoch currently open (0 before the first handshake).
        public var epoch: Int
        /// Since the session started.
        public var elapsedNanos: Int64
        /// Whether the upstream connection is up now.
        public var connected = false
    }

    /// What a finished recording did, for its summary line (frames, epochs, bytes, duration,
    /// frames/s). Frames and bytes are what the tape holds after the final commit.
    public struct Summary: Sendable, Equatable {
        /// Frame rows (inbound and outbound) and their raw payload bytes.
        public var frames: Int64
        public var bytes: Int64
        /// Epochs (connections) recorded.
        public var epochs: Int
        /// From session start to the final commit.
        public var durationNanos: Int64
        public var stopReason: StopReason
        /// Whether the recorder ended within the close timeout (otherwise its last connection
        /// was abandoned and `session_end` written without it).
        public var recorderFinished: Bool
        /// The tape writer's final counters: commits, stored bytes, and the arrival → commit
        /// latency of every frame (`ticktape bench record` reports its p99).
        public var writerStats: WriterStats

        public var framesPerSecond: Double {
            durationNanos > 0 ? Double(frames) / (Double(durationNanos) / 1e9) : 0
        }
    }
}
