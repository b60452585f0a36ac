import Rules
import TapeLog

/// Replay pace relative to the recording: frames arrive at their recorded monotonic times
/// divided by `--speed`.
public enum ReplaySpeed: Sendable, Hashable, CustomStringConvertible {
    /// Arrival = recorded monotonic time / factor (factor > 0, finite).
    case factor(Double)
    /// Every frame arrives at virtual time 0: recorded spacing compressed to nothing, so consumers
    /// only make progress while the producer waits (`block`) or after the input ends (drain).
    case max

    /// Parses `max` or a positive number (`1`, `10`, `0.5`).
    public init?(_ text: String) {
        if text == "max" {
            self = .max
            return
        }
        guard let value = Double(text), value.isFinite, value > 0 else { return nil }
        self = .factor(value)
    }

    /// `max` or the factor in Swift's shortest round-trip form (the same on every platform).
    public var description: String {
        switch self {
        case .max: "max"
        case .factor(let value):
            value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        }
    }

    /// The virtual arrival time of a frame recorded at `monoNs`.
    @inline(__always)
    func arrival(of monoNs: Int64) -> Int64 {
        switch self {
        case .max: return 0
        case .factor(let value):
            if value == 1 { return monoNs }
            return Int64((Double(monoNs) / value).rounded(.down))
        }
    }
}

/// Options of an offline replay.
public struct ReplayOptions: Sendable, Hashable {
    public var speed: ReplaySpeed
    public var consumers: [ConsumerSpec]
    public var rules: ReconcilerOptions

    public init(
        speed: ReplaySpeed = .max,
        consumers: [ConsumerSpec] = [],
        rules: ReconcilerOptions = ReconcilerOptions()
    ) {
        self.speed = speed
        self.consumers = consumers
        self.rules = rules
    }
}

extension ReplayOptions {
    /// These options with R3's table sized for `tape` (`ReconcilerOptions.expectedWindowKeys`
    /// from the tape's density, unless already set). Changes no decision. A tape whose estimate
    /// cannot be read gets none: the read that follows reports the damage in its own words.
    public func sized(for tape: TapeReader) -> ReplayOptions {
        var sized = self
        if sized.rules.expectedWindowKeys == 0 {
            sized.rules.expectedWindowKeys = (try? tape.windowFrameEstimate(windowMs: rules.dedupWindowMs)) ?? 0
        }
        return sized
    }
}

/// Why a replay could not start.
public enum ReplayError: Error, Sendable, Hashable, CustomStringConvertible {
    case badSpeed(String)
    case consumers(FanoutError)

    public var description: String {
        switch self {
        case .badSpeed(let text): "speed '\(text)' must be a positive number or 'max'"
        case .consumers(let error): error.description
        }
    }
}
