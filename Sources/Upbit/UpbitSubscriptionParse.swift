import Primitives

extension UpbitSubscription {
    /// Parses and validates a client request as Upbit would (Upbit's WebSocket documentation); the first problem
    /// found, in request order, is the error:
    /// - not JSON, not an array, an element that is not an object, a non-string ticket or type,
    ///   `codes` that is not an array of strings, `codes` on myAsset, a non-boolean flag → WRONG_FORMAT;
    /// - an empty array, or a first element without a non-empty `ticket` → NO_TICKET;
    /// - a public type without codes (missing or empty) → NO_CODES;
    /// - no type object and no LIST_SUBSCRIPTIONS method → NO_TYPE;
    /// - an unknown type, format or method, an empty code, a non-numeric orderbook `level`, both
    ///   only-flags set, or an object that is none of ticket/type/format/method → INVALID_PARAM.
    ///
    /// Both flag spellings are accepted (`is_only_snapshot` and `isOnlySnapshot`): clients in the
    /// wild send either (Upbit's WebSocket documentation). `level` may be a number or a numeric string.
    public static func parse(_ bytes: some Collection<UInt8>) throws(UpbitRequestError) -> UpbitSubscription {
        let root: JSONValue
        do {
            root = try JSONValue.parse(bytes)
        } catch {
            throw UpbitRequestError(.wrongFormat, "request is not valid JSON (\(error.description))")
        }
        guard case .array(let items) = root else {
            throw UpbitRequestError(.wrongFormat, "request must be a JSON array")
        }
        guard let first = items.first else { throw UpbitRequestError(.noTicket, "request is empty") }
        guard case .object = first else { throw UpbitRequestError(.wrongFormat, "request items must be objects") }
        guard let ticketValue = first["ticket"] else {
            throw UpbitRequestError(.noTicket, "the first object must carry a ticket")
        }
        guard let ticket = ticketValue.stringValue else {
            throw UpbitRequestError(.wrongFormat, "ticket must be a string")
        }
        guard !ticket.isEmpty else { throw UpbitRequestError(.noTicket, "ticket is empty") }

        var request = UpbitSubscription(ticket: ticket, types: [])
        for item in items.dropFirst() {
            guard case .object = item else { throw UpbitRequestError(.wrongFormat, "request items must be objects") }
            if let type = item["type"] {
                request.types.append(try typeRequest(type, item))
            } else if let format = item["format"] {
                guard let text = format.stringValue, let f = Format(rawValue: text) else {
                    throw UpbitRequestError(.invalidParam, "unknown format \(quoted(format))")
                }
                request.format = f
            } else if let method = item["method"] {
                guard method.stringValue == "LIST_SUBSCRIPTIONS" else {
                    throw UpbitRequestError(.invalidParam, "unknown method \(quoted(method))")
                }
                request.listSubscriptions = true
            } else if item["ticket"] == nil {
                throw UpbitRequestError(.invalidParam, "object is not a type, format or method: \(quoted(item))")
            }
        }
        guard !request.types.isEmpty || request.listSubscriptions else {
            throw UpbitRequestError(.noType, "request names no type")
        }
        return request
    }

    private static func quoted(_ v: JSONValue) -> String { String(decoding: v.serialized(), as: UTF8.self) }

    private static func flag(_ item: JSONValue, _ snake: String, _ camel: String) throws(UpbitRequestError) -> Bool {
        guard let v = item[snake] ?? item[camel] else { return false }
        guard let b = v.boolValue else { throw UpbitRequestError(.wrongFormat, "\(snake) must be a boolean") }
        return b
    }

    private static func typeRequest(_ typeValue: JSONValue, _ item: JSONValue) throws(UpbitRequestError) -> TypeRequest
    {
        guard let type = typeValue.stringValue else { throw UpbitRequestError(.wrongFormat, "type must be a string") }
        guard isKnownType(type) else { throw UpbitRequestError(.invalidParam, "unknown type \"\(type)\"") }
        var t = TypeRequest(type: type)
        if let codes = item["codes"] {
            guard type != "myAsset" else { throw UpbitRequestError(.wrongFormat, "codes are not allowed for myAsset") }
            guard let list = codes.arrayValue else { throw UpbitRequestError(.wrongFormat, "codes must be an array") }
            for code in list {
                guard let s = code.stringValue else {
                    throw UpbitRequestError(.wrongFormat, "codes must be strings, got \(quoted(code))")
                }
                guard !s.isEmpty else { throw UpbitRequestError(.invalidParam, "empty code for type \"\(type)\"") }
                t.codes.append(s)
            }
        }
        if t.codes.isEmpty && !privateTypes.contains(type) {
            throw UpbitRequestError(.noCodes, "codes are required for type \"\(type)\"")
        }
        t.isOnlySnapshot = try flag(item, "is_only_snapshot", "isOnlySnapshot")
        t.isOnlyRealtime = try flag(item, "is_only_realtime", "isOnlyRealtime")
        if t.isOnlySnapshot && t.isOnlyRealtime {
            throw UpbitRequestError(.invalidParam, "is_only_snapshot and is_only_realtime are exclusive")
        }
        if type == "orderbook", let level = item["level"] {
            // A numeric string is kept as the number's own text: the parse allows whitespace around
            // it, which must neither reach `serialized()` (" 100" would come back as 100) nor hide
            // a sign (" -5").
            let text = level.numberText ?? level.stringValue ?? ""
            guard case .number(let number) = (try? JSONValue.parse(Array(text.utf8))) ?? .null,
                !number.hasPrefix("-")
            else {
                throw UpbitRequestError(.invalidParam, "level must be a non-negative number, got \(quoted(level))")
            }
            t.level = number
        }
        return t
    }

    /// ticker, trade and orderbook of every one of `markets`: what the simulator's, the demo's
    /// and the benchmarks' recorders ask for.
    public static func publicStreams(
        of markets: [String],
        ticket: String,
        format: Format? = nil
    ) -> UpbitSubscription {
        UpbitSubscription(
            ticket: ticket,
            types: ["ticker", "trade", "orderbook"].map { TypeRequest(type: $0, codes: markets) },
            format: format
        )
    }

    /// Builds a request from the CLI shorthand (`--upbit`): groups separated by `;`, each
    /// `types:codes` with comma-separated lists, e.g. `ticker,trade,orderbook:KRW-BTC,KRW-ETH;myAsset`.
    /// The result is validated by the same rules as ``parse(_:)``.
    public static func shorthand(
        _ spec: String,
        ticket: String,
        format: Format? = nil
    ) throws(UpbitRequestError) -> UpbitSubscription {
        func list(_ s: Substring) -> [String] {
            s.split(separator: ",").map { String($0.filter { $0 != " " }) }.filter { !$0.isEmpty }
        }
        var types: [TypeRequest] = []
        for group in spec.split(separator: ";") where !group.allSatisfy({ $0 == " " }) {
            let parts = group.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            let names = list(parts[0])
            let codes = parts.count > 1 ? list(parts[1]) : []
            guard !names.isEmpty else { throw UpbitRequestError(.noType, "no type before \":\" in \"\(group)\"") }
            types += names.map { TypeRequest(type: $0, codes: codes) }
        }
        let request = UpbitSubscription(ticket: ticket, types: types, format: format)
        return try parse(request.serialized())
    }
}
