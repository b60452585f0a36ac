/// Upbit's two key spellings and the DEFAULT ↔ SIMPLE key tables of every message type
/// (from Upbit's docs and upbeat's `specs/websocket.yaml`).
///
/// SIMPLE keys are only unique within one type (`ap` is `ask_price` in orderbook units but
/// `avg_price` in myOrder; ticker's `trade_date` is `tdt`, trade's is `td`), so every table is per
/// type, with nested tables for `orderbook_units` items, `assets` items and list-reply `result` items.
public enum UpbitFormat {
    /// The payload spelling a connection asked for with `{"format": …}`.
    public enum Format: String, Sendable, CaseIterable {
        /// Full key names, e.g. `trade_price`.
        case `default` = "DEFAULT"
        /// Abbreviated keys, e.g. `tp`.
        case simple = "SIMPLE"
    }

    /// The keys of one message type (or nested item), in the reference's order.
    public struct KeyTable: Sendable {
        /// (DEFAULT name, SIMPLE key) pairs.
        public let pairs: [(defaultName: String, simpleKey: String)]
        /// Tables for the items of array-valued members, keyed by the member's DEFAULT name.
        public let nested: [String: KeyTable]
        let toSimple: [String: String]
        let toDefault: [String: String]
        let nestedByAnySpelling: [String: KeyTable]

        init(_ pairs: [(String, String)], nested: [String: KeyTable] = [:]) {
            self.pairs = pairs.map { (defaultName: $0.0, simpleKey: $0.1) }
            self.nested = nested
            toSimple = Dictionary(pairs, uniquingKeysWith: { a, _ in a })
            toDefault = Dictionary(pairs.map { ($0.1, $0.0) }, uniquingKeysWith: { a, _ in a })
            var any: [String: KeyTable] = [:]
            for (name, table) in nested {
                any[name] = table
                if let simple = toSimple[name] { any[simple] = table }
            }
            nestedByAnySpelling = any
        }

        /// `key` renamed for `format`; keys not in the table are returned unchanged.
        public func rename(_ key: String, to format: Format) -> String {
            (format == .simple ? toSimple[key] : toDefault[key]) ?? key
        }
    }

    /// The table for a message type (`ticker`, `trade`, `orderbook`, any `candle.*`, `myOrder`,
    /// `myAsset`) or `list` for LIST_SUBSCRIPTIONS replies; nil for anything else.
    public static func keyTable(for type: String) -> KeyTable? {
        switch type {
        case "ticker": return ticker
        case "trade": return trade
        case "orderbook": return orderbook
        case "myOrder": return myOrder
        case "myAsset": return myAsset
        case "list": return list
        default: return type.hasPrefix("candle.") ? candle : nil
        }
    }

    static let ticker = KeyTable([
        ("type", "ty"), ("code", "cd"), ("opening_price", "op"), ("high_price", "hp"), ("low_price", "lp"),
        ("trade_price", "tp"), ("prev_closing_price", "pcp"), ("change", "c"), ("change_price", "cp"),
        ("signed_change_price", "scp"), ("change_rate", "cr"), ("signed_change_rate", "scr"),
        ("trade_volume", "tv"), ("acc_trade_volume", "atv"), ("acc_trade_price", "atp"),
        ("acc_trade_volume_24h", "atv24h"), ("acc_trade_price_24h", "atp24h"), ("trade_date", "tdt"),
        ("trade_time", "ttm"), ("trade_timestamp", "ttms"), ("ask_bid", "ab"), ("acc_ask_volume", "aav"),
        ("acc_bid_volume", "abv"), ("highest_52_week_price", "h52wp"), ("highest_52_week_date", "h52wdt"),
        ("lowest_52_week_price", "l52wp"), ("lowest_52_week_date", "l52wdt"), ("market_state", "ms"),
        ("is_trading_suspended", "its"), ("delisting_date", "dd"), ("market_warning", "mw"),
        ("timestamp", "tms"), ("stream_type", "st"), ("trade_status", "ts"), ("market_state_for_ios", "msfi"),
    ])

    static let trade = KeyTable([
        ("type", "ty"), ("code", "cd"), ("trade_price", "tp"), ("trade_volume", "tv"), ("ask_bid", "ab"),
        ("prev_closing_price", "pcp"), ("change", "c"), ("change_price", "cp"), ("trade_date", "td"),
        ("trade_time", "ttm"), ("trade_timestamp", "ttms"), ("timestamp", "tms"), ("sequential_id", "sid"),
        ("best_ask_price", "bap"), ("best_ask_size", "bas"), ("best_bid_price", "bbp"), ("best_bid_size", "bbs"),
        ("stream_type", "st"),
    ])

    static let orderbookUnit = KeyTable([
        ("ask_price", "ap"), ("bid_price", "bp"), ("ask_size", "as"), ("bid_size", "bs"),
    ])

    static let orderbook = KeyTable(
        [
            ("type", "ty"), ("code", "cd"), ("total_ask_size", "tas"), ("total_bid_size", "tbs"),
            ("orderbook_units", "obu"), ("timestamp", "tms"), ("level", "lv"), ("stream_type", "st"),
        ],
        nested: ["orderbook_units": orderbookUnit]
    )

    static let candle = KeyTable([
        ("type", "ty"), ("code", "cd"), ("candle_date_time_utc", "cdttmu"), ("candle_date_time_kst", "cdttmk"),
        ("opening_price", "op"), ("high_price", "hp"), ("low_price", "lp"), ("trade_price", "tp"),
        ("candle_acc_trade_volume", "catv"), ("candle_acc_trade_price", "catp"), ("timestamp", "tms"),
        ("stream_type", "st"),
    ])

    static let myOrder = KeyTable([
        ("type", "ty"), ("code", "cd"), ("uuid", "uid"), ("ask_bid", "ab"), ("order_type", "ot"), ("state", "s"),
        ("trade_uuid", "tuid"), ("price", "p"), ("avg_price", "ap"), ("volume", "v"), ("remaining_volume", "rv"),
        ("executed_volume", "ev"), ("trades_count", "tc"), ("reserved_fee", "rsf"), ("remaining_fee", "rmf"),
        ("paid_fee", "pf"), ("locked", "l"), ("executed_funds", "ef"), ("time_in_force", "tif"),
        ("trade_fee", "tf"), ("is_maker", "im"), ("identifier", "id"), ("smp_type", "smpt"),
        ("prevented_volume", "pv"), ("prevented_locked", "pl"), ("trade_timestamp", "ttms"),
        ("order_timestamp", "otms"), ("timestamp", "tms"), ("stream_type", "st"),
    ])

    static let asset = KeyTable([("currency", "cu"), ("balance", "b"), ("locked", "l")])

    static let myAsset = KeyTable(
        [
            ("type", "ty"), ("asset_uuid", "astuid"), ("assets", "ast"), ("asset_timestamp", "asttms"),
            ("timestamp", "tms"), ("stream_type", "st"),
        ],
        nested: ["assets": asset]
    )

    static let listItem = KeyTable([("type", "ty"), ("codes", "cds"), ("level", "lv")])

    static let list = KeyTable(
        [("method", "mthd"), ("result", "rslt"), ("ticket", "tckt")],
        nested: ["result": listItem]
    )
}
