import Primitives

/// A validated Upbit WebSocket request (Upbit's WebSocket documentation): `[{ticket}, {type…}…, {format}?]`, or a
/// `{"method":"LIST_SUBSCRIPTIONS"}` query. The recorder sends it, serve and simulate parse what
/// clients send and answer invalid requests with Upbit's error names (Upbit's WebSocket documentation).
public struct UpbitSubscription: Sendable, Equatable {
    /// The `format` object's values (2025-07-07: the `*_LIST` variants deliver JSON arrays).
    public enum Format: String, Sendable, CaseIterable {
        case `default` = "DEFAULT"
        case simple = "SIMPLE"
        case jsonList = "JSON_LIST"
        case simpleList = "SIMPLE_LIST"

        /// The key spelling this format uses.
        public var keys: UpbitFormat.Format { self == .simple || self == .simpleList ? .simple : .default }
    }

    /// One data type object.
    public struct TypeRequest: Sendable, Equatable {
        /// `ticker`, `trade`, `orderbook`, `candle.*`, `myOrder` or `myAsset`.
        public var type: String
        /// Codes as sent; orderbook codes may carry a `.N` depth suffix. Empty for myAsset, and
        /// for myOrder meaning "all markets".
        public var codes: [String]
        /// `is_only_snapshot` / `isOnlySnapshot`: one SNAPSHOT per code, then nothing.
        public var isOnlySnapshot: Bool
        /// `is_only_realtime` / `isOnlyRealtime`: no SNAPSHOT, only REALTIME.
        public var isOnlyRealtime: Bool
        /// Orderbook `level` (price-grouping unit) as exact number text; nil when not sent (Upbit: 0).
        public var level: String?

        public init(
            type: String,
            codes: [String] = [],
            isOnlySnapshot: Bool = false,
            isOnlyRealtime: Bool = false,
            level: String? = nil
        ) {
            self.type = type
            self.codes = codes
            self.isOnlySnapshot = isOnlySnapshot
            self.isOnlyRealtime = isOnlyRealtime
            self.level = level
        }

        /// The codes without depth suffixes, in order, duplicates removed.
        public var markets: [String] {
            var seen = Set<String>()
            return codes.map(UpbitScanner.stripDepthSuffix).filter { seen.insert($0).inserted }
        }

        /// The orderbook depth Upbit sends for `code` (Upbit's WebSocket documentation): its `.N` when N is 1, 5, 15
        /// or 30, otherwise (no suffix, or an unsupported N) the default 30.
        public static func depth(of code: String) -> Int {
            guard let dot = code.lastIndex(of: "."), let n = Int(code[code.index(after: dot)...]),
                [1, 5, 15, 30].contains(n)
            else { return 30 }
            return n
        }
    }

    /// The ticket, any string identifying the requester.
    public var ticket: String
    /// The data type objects, in request order.
    public var types: [TypeRequest]
    /// The format object, when sent (Upbit default: DEFAULT).
    public var format: Format?
    /// Whether the request carries `{"method":"LIST_SUBSCRIPTIONS"}`.
    public var listSubscriptions: Bool

    public init(ticket: String, types: [TypeRequest], format: Format? = nil, listSubscriptions: Bool = false) {
        self.ticket = ticket
        self.types = types
        self.format = format
        self.listSubscriptions = listSubscriptions
    }

    /// Types that need the private endpoint (`/websocket/v1/private`) and a JWT.
    public static let privateTypes: Set<String> = ["myOrder", "myAsset"]

    /// Types a request may name: the public ones, candles, and the private ones.
    public static func isKnownType(_ type: String) -> Bool {
        switch type {
        case "ticker", "trade", "orderbook", "myOrder", "myAsset": return true
        default:
            return ["1s", "1m", "3m", "5m", "10m", "15m", "30m", "60m", "240m"].contains {
                type == "candle." + $0
            }
        }
    }

    /// Whether any type needs the private endpoint.
    public var needsPrivateEndpoint: Bool { types.contains { Self.privateTypes.contains($0.type) } }

    /// The request as compact JSON, flags in the current snake_case spelling, only when true.
    public func serialized() -> [UInt8] {
        var items: [JSONValue] = [.object([("ticket", .string(ticket))])]
        for t in types {
            var members: [(String, JSONValue)] = [("type", .string(t.type))]
            if !t.codes.isEmpty || t.type != "myAsset" && t.type != "myOrder" {
                members.append(("codes", .array(t.codes.map { .string($0) })))
            }
            if t.isOnlySnapshot { members.append(("is_only_snapshot", .bool(true))) }
            if t.isOnlyRealtime { members.append(("is_only_realtime", .bool(true))) }
            if let level = t.level { members.append(("level", .number(level))) }
            items.append(.object(members))
        }
        if listSubscriptions { items.append(.object([("method", .string("LIST_SUBSCRIPTIONS"))])) }
        if let format { items.append(.object([("format", .string(format.rawValue))])) }
        return JSONValue.array(items).serialized()
    }

    /// The LIST_SUBSCRIPTIONS reply for the subscriptions `current` (Upbit's WebSocket documentation):
    /// `{"method":"LIST_SUBSCRIPTIONS","result":[{"type":…,"codes":[…],"level":…}],"ticket":…}`,
    /// SIMPLE keys when `keys` is `.simple`. `level` is given for orderbooks (default 0).
    public static func listReply(ticket: String, current: [TypeRequest], keys: UpbitFormat.Format) -> [UInt8] {
        let result: [JSONValue] = current.map { t in
            var members: [(String, JSONValue)] = [
                ("type", .string(t.type)), ("codes", .array(t.codes.map { .string($0) })),
            ]
            if t.type == "orderbook" { members.append(("level", .number(t.level ?? "0"))) }
            return .object(members)
        }
        let reply = JSONValue.object([
            ("method", .string("LIST_SUBSCRIPTIONS")), ("result", .array(result)), ("ticket", .string(ticket)),
        ]).serialized()
        return keys == .simple ? UpbitFormat.convert(reply, to: .simple) ?? reply : reply
    }
}

/// A request Upbit would refuse, with its documented error name (Upbit's WebSocket documentation).
public struct UpbitRequestError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Upbit's error names for request problems.
    public enum Name: String, Sendable, CaseIterable {
        case noTicket = "NO_TICKET"
        case noType = "NO_TYPE"
        case noCodes = "NO_CODES"
        case wrongFormat = "WRONG_FORMAT"
        case invalidParam = "INVALID_PARAM"
    }

    public var name: Name
    /// A one-line, human-readable reason.
    public var message: String

    public init(_ name: Name, _ message: String) {
        self.name = name
        self.message = message
    }

    /// `NO_CODES: codes are required for type "trade"`.
    public var description: String { "\(name.rawValue): \(message)" }

    /// The error message Upbit sends: `{"error":{"name":"NO_CODES","message":"…"}}`.
    public func errorPayload() -> [UInt8] {
        JSONValue.object([
            ("error", .object([("name", .string(name.rawValue)), ("message", .string(message))]))
        ]).serialized()
    }
}
