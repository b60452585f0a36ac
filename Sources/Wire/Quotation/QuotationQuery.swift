/// The query of a REST request, `markets=KRW-BTC%2CKRW-ETH&count=5`, decoded: `%XX` escapes
/// and `+` (a space, as HTML forms and Python's `requests` write it). A name given twice keeps
/// its first value; a malformed escape is kept as written.
struct QuotationQuery: Sendable, Equatable {
    private(set) var values: [String: String] = [:]

    init(uri: String) {
        guard let mark = uri.firstIndex(of: "?") else { return }
        for pair in uri[uri.index(after: mark)...].split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.decode(parts[0])
            guard !name.isEmpty, self.values[name] == nil else { continue }
            self.values[name] = parts.count > 1 ? Self.decode(parts[1]) : ""
        }
    }

    /// The value of the first of `names` present (`is_details`, then `isDetails`).
    func value(_ names: String...) -> String? {
        for name in names {
            if let value = self.values[name] { return value }
        }
        return nil
    }

    /// A comma-separated list (`markets`), items trimmed of spaces, empty items and repeats
    /// dropped; nil when absent or empty.
    func list(_ name: String) -> [String]? {
        guard let raw = self.values[name] else { return nil }
        var seen = Set<String>()
        let items = raw.split(separator: ",").map { $0.trimmingSpaces }.filter {
            !$0.isEmpty && seen.insert($0).inserted
        }
        return items.isEmpty ? nil : items
    }

    /// A parameter read as `T`: absent (or empty, as `count=`), present and valid, or the 400
    /// it deserves (a type mismatch when it does not read as `T`, invalid when it is out of range).
    enum Parameter<T: Sendable & Equatable>: Sendable, Equatable {
        case absent
        case value(T)
        case invalid(QuotationError)
    }

    /// An integer parameter in `range`; values above it are clamped to its upper bound when
    /// `clamp` is set (Upbit clamps `count` rather than refuse it), otherwise refused.
    func integer(_ names: String..., in range: ClosedRange<Int>, clamp: Bool = false) -> Parameter<Int> {
        var found: String?
        for name in names where found == nil { found = self.values[name] }
        guard let text = found, !text.isEmpty else { return .absent }
        guard let value = Int(text) else { return .invalid(.typeMismatch) }
        if clamp, value > range.upperBound { return .value(range.upperBound) }
        return range.contains(value) ? .value(value) : .invalid(.invalidParameter)
    }

    /// A boolean parameter: `true` or `false` in any letter case.
    func boolean(_ names: String...) -> Parameter<Bool> {
        var found: String?
        for name in names where found == nil { found = self.values[name] }
        guard let text = found, !text.isEmpty else { return .absent }
        switch text.lowercased() {
        case "true": return .value(true)
        case "false": return .value(false)
        default: return .invalid(.typeMismatch)
        }
    }

    static func decode(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), utf8.count >= 2, let high = Self.hex(utf8.first!),
                let low = Self.hex(utf8.dropFirst().first!)
            {
                bytes.append(high << 4 | low)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

extension Substring {
    fileprivate var trimmingSpaces: String {
        var trimmed = self
        while trimmed.first == " " { trimmed.removeFirst() }
        while trimmed.last == " " { trimmed.removeLast() }
        return String(trimmed)
    }
}
