import Foundation

/// Human-readable numbers and times for text output (never in JSON).
enum Format {
    static func fixed(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }

    static func seconds(_ ns: Int64) -> String { "\(fixed(Double(ns) / 1e9, 3)) s" }

    static func utc(_ ns: Int64) -> String {
        let date = Date(timeIntervalSince1970: Double(ns) / 1e9)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}

/// Deterministic JSON for reports: sorted keys, pretty-printed.
enum JSONOutput {
    static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
