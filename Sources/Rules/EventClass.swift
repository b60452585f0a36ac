/// The canonical market message types, onto which every exchange profile maps its messages.
///
/// State types (ticker, orderbook, candle.*, myAsset) describe a current value that later
/// messages replace; fact types (trade, myOrder) are events that each matter on their own.
public enum MarketType: UInt8, Sendable, Hashable, CaseIterable {
    case ticker
    case trade
    case orderbook
    /// Any `candle.*` interval; the interval stays part of the stream key's type string.
    case candle
    case myOrder
    case myAsset

    /// True for types whose value replaces the previous one and therefore must never regress
    /// (R5: ticker, orderbook, candle, myAsset).
    public var isState: Bool {
        switch self {
        case .ticker, .orderbook, .candle, .myAsset: true
        case .trade, .myOrder: false
        }
    }

    /// Classifies a canonical type string; nil for anything that is not a market type.
    public init?(type: String) {
        switch type {
        case "ticker": self = .ticker
        case "trade": self = .trade
        case "orderbook": self = .orderbook
        case "myOrder": self = .myOrder
        case "myAsset": self = .myAsset
        default:
            guard type.hasPrefix("candle."), type.utf8.count > 7 else { return nil }
            self = .candle
        }
    }
}

/// Out-of-band messages: they are not market data and never reach market consumers (R2).
public enum OutOfBandKind: UInt8, Sendable, Hashable, CaseIterable {
    /// `{"status":"UP"}` keep-alive replies.
    case status
    /// `{"error":{...}}` server errors.
    case error
    /// `LIST_SUBSCRIPTIONS` replies.
    case list

    /// The `FrameFacts.type` spelling.
    public var name: String {
        switch self {
        case .status: "status"
        case .error: "error"
        case .list: "list"
        }
    }
}

/// How the rules classify one inbound frame before applying R1–R5.
public enum EventClass: Sendable, Hashable {
    case market(MarketType)
    case outOfBand(OutOfBandKind)
    /// `FrameFacts.type` is nil or not a canonical type: counted as a finding, never delivered.
    case unknown

    /// Classifies a `FrameFacts.type` value.
    public init(type: String?) {
        guard let type else {
            self = .unknown
            return
        }
        switch type {
        case "status": self = .outOfBand(.status)
        case "error": self = .outOfBand(.error)
        case "list": self = .outOfBand(.list)
        default:
            if let market = MarketType(type: type) {
                self = .market(market)
            } else {
                self = .unknown
            }
        }
    }
}
