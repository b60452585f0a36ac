/// Parses durations as the CLI writes them (`500ms`, `10s`, `2m`), plus decimals (`1.5s`) and
/// `us`/`ns` for fine service times. Exact: decimal digits are
/// converted to integer nanoseconds, never through a Double.
public enum DurationParser {
    /// Nanoseconds in `text`, or nil when it is not `<number><unit>` with unit ns, us, ms, s or m.
    public static func nanoseconds(_ text: String) -> Int64? {
        let units: [(String, Int64)] = [
            ("ns", 1), ("us", 1_000), ("ms", 1_000_000), ("s", 1_000_000_000), ("m", 60_000_000_000),
        ]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            let number = text.dropLast(suffix.count)
            // "ms" also ends with "s": only accept the longest unit whose number part parses.
            if let value = decimal(Substring(number), scale: scale) { return value }
        }
        return nil
    }

    private static func decimal(_ text: Substring, scale: Int64) -> Int64? {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, !whole.isEmpty, whole.allSatisfy(\.isASCIIDigit) else { return nil }
        guard let units = Int64(whole) else { return nil }
        let (scaled, overflow) = units.multipliedReportingOverflow(by: scale)
        guard !overflow else { return nil }
        guard parts.count == 2 else { return scaled }
        let fraction = parts[1]
        guard !fraction.isEmpty, fraction.allSatisfy(\.isASCIIDigit) else { return nil }
        var remainder: Int64 = 0
        var divisor = scale
        for digit in fraction {
            divisor /= 10
            guard divisor > 0 else {
                // Finer than a nanosecond: only zeros are exact.
                if digit != "0" { return nil }
                continue
            }
            remainder += Int64(digit.asciiValue! - 48) * divisor
        }
        let (total, overflowTotal) = scaled.addingReportingOverflow(remainder)
        return overflowTotal ? nil : total
    }

    /// Formats nanoseconds back in the largest unit that keeps the value exact (`200ms`, `1500ms`, `2m`).
    public static func format(nanoseconds: Int64) -> String {
        if nanoseconds == 0 { return "0ms" }
        let units: [(String, Int64)] = [
            ("m", 60_000_000_000), ("s", 1_000_000_000), ("ms", 1_000_000), ("us", 1_000), ("ns", 1),
        ]
        for (suffix, scale) in units where nanoseconds % scale == 0 {
            return "\(nanoseconds / scale)\(suffix)"
        }
        return "\(nanoseconds)ns"
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { asciiValue.map { $0 >= 48 && $0 <= 57 } ?? false }
}
