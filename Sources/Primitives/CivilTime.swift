/// Proleptic Gregorian calendar arithmetic on Unix milliseconds (Howard Hinnant's
/// `civil_from_days`), without Foundation: the UTC dates and times Upbit's messages spell out.
public enum CivilTime {
    /// Days since 1970-01-01 (UTC) of the instant `ms`, rounding towards the past.
    @inlinable
    public static func days(_ ms: Int64) -> Int64 { ms >= 0 ? ms / 86_400_000 : (ms - 86_399_999) / 86_400_000 }

    /// Seconds since midnight (UTC) of the instant `ms`.
    @inlinable
    public static func secondOfDay(_ ms: Int64) -> Int64 { (ms - days(ms) * 86_400_000) / 1000 }

    /// The UTC calendar date of the instant `ms`.
    @inlinable
    public static func date(_ ms: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days(ms) + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// Days since 1970-01-01 of the proleptic Gregorian date (`days_from_civil`, the inverse of
    /// ``date(_:)``).
    @inlinable
    public static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * ((month + 9) % 12) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
