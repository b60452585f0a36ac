import ArgumentParser
import Rules

/// A duration given on the command line: `500ms`, `10s`, `2m`, `1.5s`, parsed
/// exactly by the same parser as consumer service times.
struct DurationArgument: ExpressibleByArgument, Sendable, Hashable {
    /// Nanoseconds.
    var nanoseconds: Int64

    init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    init?(argument: String) {
        guard let ns = DurationParser.nanoseconds(argument) else { return nil }
        nanoseconds = ns
    }

    var defaultValueDescription: String { "\(nanoseconds / 1_000_000)ms" }
}
