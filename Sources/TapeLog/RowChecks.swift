/// The ranges every value read from a tape must fall in, checked where it is read: a row
/// outside them cannot have come from a writer (the tape was damaged or edited by hand), and
/// the reader reports it as ``TapeError/corrupt(path:reason:)`` naming the row, rather than
/// trapping on arithmetic or looping on a count later (see <doc:TapeFileFormat>).
enum RowChecks {
    /// The latest monotonic time a tape may hold: 2^62 ns, about 146 years after the session
    /// started. It keeps sums and differences of times far from Int64's ends.
    static let maxMonoNs: Int64 = 1 << 62
    /// The most frames one `loss` event may declare missing.
    static let maxLossCount: Int64 = Int64(UInt32.max)
    /// The largest raw block a reader inflates (1 GiB): the writer's blocks are about 512 KiB,
    /// and only one message larger than that makes a block larger.
    static let maxRawLength: Int64 = 1 << 30
    /// Deflate expands at most 1032:1 (zlib's technical details): a raw length beyond that
    /// multiple of the stored bytes cannot be what the data inflates to.
    static let maxInflateRatio: Int64 = 1032

    /// `value` as an epoch, 1 … UInt32.max (0 too when `allowZero`: events before any connect).
    static func epoch(
        _ value: Int64,
        allowZero: Bool = false,
        path: String,
        at place: @autoclosure () -> String
    )
        throws(TapeError) -> UInt32
    {
        guard let epoch = UInt32(exactly: value), epoch >= 1 || allowZero else {
            throw .corrupt(path: path, reason: "\(place()): epoch \(value) is out of range")
        }
        return epoch
    }

    /// `value` as a frame's seq, 1 … Int64.max.
    static func seq(_ value: Int64, path: String, at place: @autoclosure () -> String) throws(TapeError) -> UInt64 {
        guard value >= 1 else { throw .corrupt(path: path, reason: "\(place()): seq \(value) is out of range") }
        return UInt64(value)
    }

    /// `value` as a monotonic time, 0 … ``maxMonoNs``.
    static func monoNs(_ value: Int64, path: String, at place: @autoclosure () -> String) throws(TapeError) -> Int64 {
        guard value >= 0, value <= maxMonoNs else {
            throw .corrupt(path: path, reason: "\(place()): mono_ns \(value) is out of range")
        }
        return value
    }

    /// An integer column that must lie in `range`.
    static func inRange(
        _ value: Int64,
        _ range: ClosedRange<Int64>,
        column: String,
        path: String,
        at place: @autoclosure () -> String
    ) throws(TapeError) -> Int64 {
        guard range.contains(value) else {
            throw .corrupt(path: path, reason: "\(place()): \(column) \(value) is out of range")
        }
        return value
    }

    /// Text from the file, made safe for a one-line message: at most 40 characters, control
    /// characters escaped.
    static func quoted(_ text: String?) -> String {
        guard let text else { return "NULL" }
        let short = text.count > 40 ? String(text.prefix(40)) + "…" : text
        return "'" + short.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "?" : String($0) }.joined() + "'"
    }
}
