import Exchange
import Primitives
import Upbit

/// Upbit's REST quotation shapes, made from the WebSocket messages a source holds (either key
/// spelling). Values are copied as their exact JSON text (`100473000.00000000` stays so); a
/// field the message lacks is written `null`, so every answer has the same fields in Upbit's
/// order. Fields only the WebSocket carries (`ask_bid` of a ticker, `stream_type`,
/// `market_state`, `acc_ask_volume`, …) are left out.
enum QuotationShapes {
    /// `/v1/ticker` fields in Upbit's order.
    static let tickerFields = [
        "market", "trade_date", "trade_time", "trade_date_kst", "trade_time_kst", "trade_timestamp", "opening_price",
        "high_price", "low_price", "trade_price", "prev_closing_price", "change", "change_price", "change_rate",
        "signed_change_price", "signed_change_rate", "trade_volume", "acc_trade_price", "acc_trade_price_24h",
        "acc_trade_volume", "acc_trade_volume_24h", "highest_52_week_price", "highest_52_week_date",
        "lowest_52_week_price", "lowest_52_week_date", "timestamp",
    ]
    /// `/v1/trades/ticks` fields in Upbit's order.
    static let tradeFields = [
        "market", "trade_date_utc", "trade_time_utc", "timestamp", "trade_price", "trade_volume",
        "prev_closing_price", "change_price", "ask_bid", "sequential_id",
    ]
    /// `/v1/orderbook` fields in Upbit's order.
    static let orderbookFields = [
        "market", "timestamp", "total_ask_size", "total_bid_size", "orderbook_units", "level",
    ]
    static let unitFields = ["ask_price", "bid_price", "ask_size", "bid_size"]
    /// The five `market_event.caution` flags of `/v1/market/all?is_details=true`.
    static let cautionFlags = [
        "PRICE_FLUCTUATIONS", "TRADING_VOLUME_SOARING", "DEPOSIT_AMOUNT_SOARING", "GLOBAL_PRICE_DIFFERENCES",
        "CONCENTRATION_OF_SMALL_ACCOUNTS",
    ]

    /// The message as a JSON object in DEFAULT keys; nil when it is not an Upbit message.
    static func object(_ message: ExchangeMessage) -> JSONValue? {
        guard let payload = UpbitFormat.convert(message.payload, to: .default),
            let value = try? JSONValue.parse(payload), value.objectValue != nil
        else { return nil }
        return value
    }

    /// One `/v1/market/all` entry.
    static func market(_ code: String, details: Bool) -> JSONValue {
        let names = MarketNames.names(of: code)
        var members: [(String, JSONValue)] = [
            ("market", .string(code)), ("korean_name", .string(names.korean)), ("english_name", .string(names.english)),
        ]
        if details {
            let caution = JSONValue.object(Self.cautionFlags.map { ($0, .bool(false)) })
            members.append(("market_event", .object([("warning", .bool(false)), ("caution", caution)])))
        }
        return .object(members)
    }

    /// One `/v1/ticker` entry from a ticker message: `code` becomes `market`, and the KST date
    /// and time are the UTC trade time + 9 h.
    static func ticker(_ ws: JSONValue) -> JSONValue {
        let kst = Self.milliseconds(ws["trade_timestamp"]).map { $0 + 9 * 3_600_000 }
        return .object(
            Self.tickerFields.map { name in
                switch name {
                case "market": return (name, ws["code"] ?? .null)
                case "trade_date_kst": return (name, kst.map { .string(Self.date($0, dashes: false)) } ?? .null)
                case "trade_time_kst": return (name, kst.map { .string(Self.time($0, colons: false)) } ?? .null)
                default: return (name, ws[name] ?? .null)
                }
            }
        )
    }

    /// One `/v1/trades/ticks` entry from a trade message: the trade time is its `timestamp`,
    /// and `change_price` carries the sign of `change` (the WebSocket's is unsigned).
    static func trade(_ ws: JSONValue) -> JSONValue {
        .object(
            Self.tradeFields.map { name in
                switch name {
                case "market": return (name, ws["code"] ?? .null)
                case "trade_date_utc": return (name, ws["trade_date"] ?? .null)
                case "trade_time_utc": return (name, ws["trade_time"] ?? .null)
                case "timestamp": return (name, ws["trade_timestamp"] ?? .null)
                case "change_price": return (name, Self.signed(ws["change_price"], change: ws["change"]))
                default: return (name, ws[name] ?? .null)
                }
            }
        )
    }

    /// One `/v1/orderbook` entry from an orderbook message (already cut to the units wanted).
    /// A message without `level` (older captures) has level 0.
    static func orderbook(_ ws: JSONValue) -> JSONValue {
        .object(
            Self.orderbookFields.map { name in
                switch name {
                case "market": return (name, ws["code"] ?? .null)
                case "orderbook_units":
                    let units = ws[name]?.arrayValue ?? []
                    return (
                        name, .array(units.map { unit in .object(Self.unitFields.map { ($0, unit[$0] ?? .null) }) })
                    )
                case "level": return (name, ws[name] ?? .number("0"))
                default: return (name, ws[name] ?? .null)
                }
            }
        )
    }

    /// A JSON array of `items`, compact.
    static func array(_ items: [JSONValue]) -> String {
        String(decoding: JSONValue.array(items).serialized(), as: UTF8.self)
    }

    /// An event time in milliseconds, whatever unit it was sent in (`EventTimeUnit`: Upbit has
    /// sent some in microseconds) and however the whole number is written (`1.6E12`).
    static func milliseconds(_ value: JSONValue?) -> Int64? {
        guard let raw = value?.wholeInt64Value else { return nil }
        return EventTimeUnit(of: raw).milliseconds(raw)
    }

    /// `yyyyMMdd`, or `yyyy-MM-dd` with `dashes`.
    static func date(_ ms: Int64, dashes: Bool) -> String {
        let (y, m, d) = CivilTime.date(ms)
        let separator = dashes ? "-" : ""
        return Self.padded(y, 4) + separator + Self.padded(m, 2) + separator + Self.padded(d, 2)
    }

    /// `HHmmss`, or `HH:mm:ss` with `colons`.
    static func time(_ ms: Int64, colons: Bool) -> String {
        let s = CivilTime.secondOfDay(ms)
        let separator = colons ? ":" : ""
        return Self.padded(s / 3600, 2) + separator + Self.padded(s / 60 % 60, 2) + separator + Self.padded(s % 60, 2)
    }

    private static func padded(_ value: Int64, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }

    /// `change_price` negated when `change` is `FALL` (unless it is zero or already negative).
    private static func signed(_ price: JSONValue?, change: JSONValue?) -> JSONValue {
        guard let price else { return .null }
        guard change?.stringValue == "FALL", let text = price.numberText, !text.hasPrefix("-"),
            text.contains(where: { $0 >= "1" && $0 <= "9" })
        else { return price }
        return .number("-" + text)
    }
}
