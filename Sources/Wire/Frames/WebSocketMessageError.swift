/// Protocol failures found while reassembling messages (RFC 6455 §5.4).
public enum WebSocketMessageError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A reassembled message grew beyond the configured limit.
    case messageTooLarge(limit: Int)
    /// A continuation frame arrived with no fragmented message in progress.
    case unexpectedContinuation
    /// A new data frame arrived while a fragmented message was still open.
    case unfinishedFragmentedMessage

    public var description: String {
        switch self {
        case .messageTooLarge(let limit): return "websocket message larger than \(limit) bytes"
        case .unexpectedContinuation: return "websocket continuation frame without a message in progress"
        case .unfinishedFragmentedMessage: return "websocket data frame inside an unfinished fragmented message"
        }
    }
}
