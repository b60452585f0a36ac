import NIOHTTP1
import Primitives

/// Upbit's quotation REST errors: `{"error":{"name":400,"message":"…"}}`. Unlike the
/// WebSocket's and the exchange API's string names, a quotation error's `name` is the HTTP
/// status as a JSON number; a client that reads `name` as a string breaks on it, as on Upbit.
public enum QuotationError: Sendable, Equatable, Error {
    /// 400: a required parameter (`markets`, `market`) is missing or empty.
    case missingParameter
    /// 400: a parameter does not read as its type (`count=abc`, `isDetails=yes`).
    case typeMismatch
    /// 400: a parameter reads but is out of range (`count=0`, `days_ago=8`, `to=25:00:00`).
    case invalidParameter
    /// 404: a market code the exchange does not list.
    case codeNotFound
    /// 404: a path under `/v1/` that ticktape does not answer (candles, the exchange API).
    case notServed(path: String)
    /// 429: over the group's per-second limit.
    case tooManyRequests

    /// The HTTP status, also the error's `name`.
    public var status: HTTPResponseStatus {
        switch self {
        case .missingParameter, .typeMismatch, .invalidParameter: return .badRequest
        case .codeNotFound, .notServed: return .notFound
        case .tooManyRequests: return .tooManyRequests
        }
    }

    /// Upbit's message text for the error (ticktape's own for ``notServed(path:)``).
    public var message: String {
        switch self {
        case .missingParameter: return "Missing request parameter error. Check the required parameters!"
        case .typeMismatch: return "Type mismatch error. Check the parameters type!"
        case .invalidParameter: return "Invalid parameter. Check the given value!"
        case .codeNotFound: return "Code not found"
        case .notServed(let path): return "ticktape does not answer \(path)"
        case .tooManyRequests: return "Too many API requests."
        }
    }

    /// `{"error":{"name":<status>,"message":"…"}}`.
    public var body: String {
        let json = JSONValue.object([
            ("error", .object([("name", .number(String(self.status.code))), ("message", .string(self.message))]))
        ])
        return String(decoding: json.serialized(), as: UTF8.self)
    }
}
