import ArgumentParser

/// A duration given on the command line: `500ms`, `10s`, `2m`, `1.5s`, `1h` (SPEC §12).
struct DurationArgument: ExpressibleByArgument, Sendable, Hashable {
    /// Nanoseconds.
    var nanoseconds: Int64

    init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    init?(argument: String) {
        let units: [(String, Double)] = [("ms", 1e6), ("us", 1e3), ("ns", 1), ("s", 1e9), ("m", 60e9), ("h", 3600e9)]
        for (suffix, scale) in units where argument.hasSuffix(suffix) {
            guard let value = Double(argument.dropLast(suffix.count)), value >= 0, value.isFinite else { return nil }
            nanoseconds = Int64(value * scale)
            return
        }
        return nil
    }

    var defaultValueDescription: String { "\(nanoseconds / 1_000_000)ms" }
}
