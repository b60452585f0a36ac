/// Integer-only formatting for reports, the same bytes on every platform.
public enum DurationText {
    /// Nanoseconds as seconds with three decimals: `12.250 s`.
    public static func seconds(_ ns: Int64) -> String {
        let negative = ns < 0
        let ms = (negative ? -(ns / 1_000_000) : ns / 1_000_000)
        let fraction = String(ms % 1_000)
        let text = "\(ms / 1_000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction) s"
        return negative ? "-" + text : text
    }

    /// Nanoseconds as milliseconds with three decimals: `1.250 ms`.
    public static func millis(_ ns: Int64) -> String {
        let negative = ns < 0
        let micros = negative ? -(ns / 1_000) : ns / 1_000
        let fraction = String(micros % 1_000)
        let text = "\(micros / 1_000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction) ms"
        return negative ? "-" + text : text
    }
}
