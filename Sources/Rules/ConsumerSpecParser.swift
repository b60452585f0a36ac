/// Why a consumer spec string was rejected. Each case names the field so the CLI can print one
/// clear line and exit 2 (bad usage).
public enum ConsumerSpecError: Error, Sendable, Hashable, CustomStringConvertible {
    case missingName
    case notKeyValue(String)
    case unknownField(String)
    case repeatedField(String)
    case emptyValue(field: String)
    case badName(String)
    case badCapacity(String)
    case unknownPolicy(String)
    case unknownType(String)
    case badDuration(field: String, value: String)

    public var description: String {
        switch self {
        case .missingName: "consumer spec: 'name' is required"
        case .notKeyValue(let part): "consumer spec: '\(part)' is not field=value"
        case .unknownField(let field):
            "consumer spec: unknown field '\(field)' (expected name, types, codes, capacity, policy, service)"
        case .repeatedField(let field): "consumer spec: field '\(field)' given twice"
        case .emptyValue(let field): "consumer spec: field '\(field)' is empty"
        case .badName(let name): "consumer spec: name '\(name)' must be letters, digits, '-', '_' or '.'"
        case .badCapacity(let value): "consumer spec: capacity '\(value)' must be an integer > 0"
        case .unknownPolicy(let value):
            "consumer spec: unknown policy '\(value)' (expected drop-oldest, drop-newest, coalesce, block)"
        case .unknownType(let value):
            "consumer spec: unknown type '\(value)' (expected ticker, trade, orderbook, candle.*, candle.<unit>, myOrder, myAsset, *)"
        case .badDuration(let field, let value):
            "consumer spec: \(field) '\(value)' is not a duration like 500ms, 10s, 2m, 1.5s"
        }
    }
}

extension ConsumerSpec {
    /// Upbit candle intervals (Upbit's documentation: candle.1s|1m|3m|5m|10m|15m|30m|60m|240m).
    static let candleTypes: Set<String> = [
        "candle.1s", "candle.1m", "candle.3m", "candle.5m", "candle.10m", "candle.15m", "candle.30m",
        "candle.60m", "candle.240m",
    ]

    /// Parses `name=gui,types=ticker|orderbook,codes=*,capacity=64,policy=coalesce,service=200ms`.
    /// Only `name` is required; the other fields default as in ``init(name:filter:capacity:policy:serviceNs:)``.
    public static func parse(_ text: String) throws(ConsumerSpecError) -> ConsumerSpec {
        var fields: [String: String] = [:]
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let pair = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pair.count == 2 else { throw .notKeyValue(String(part)) }
            let field = String(pair[0])
            guard ["name", "types", "codes", "capacity", "policy", "service"].contains(field) else {
                throw .unknownField(field)
            }
            guard fields[field] == nil else { throw .repeatedField(field) }
            guard !pair[1].isEmpty else { throw .emptyValue(field: field) }
            fields[field] = String(pair[1])
        }
        guard let name = fields["name"] else { throw .missingName }
        let allowed = name.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0))
        }
        guard allowed else { throw .badName(name) }
        var spec = ConsumerSpec(name: name)
        if let types = fields["types"], types != "*" {
            var set: Set<String> = []
            for type in types.split(separator: "|", omittingEmptySubsequences: false).map(String.init) {
                guard MarketType(type: type) != nil || type == "candle.*" else { throw .unknownType(type) }
                if type.hasPrefix("candle."), type != "candle.*", !candleTypes.contains(type) {
                    throw .unknownType(type)
                }
                set.insert(type)
            }
            spec.filter.types = set
        }
        if let codes = fields["codes"], codes != "*" {
            let list = codes.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            if list.contains(where: \.isEmpty) { throw .emptyValue(field: "codes") }
            spec.filter.codes = Set(list)
        }
        if let capacity = fields["capacity"] {
            guard let value = Int(capacity), value > 0 else { throw .badCapacity(capacity) }
            spec.capacity = value
        }
        if let policy = fields["policy"] {
            guard let value = OverflowPolicy(rawValue: policy) else { throw .unknownPolicy(policy) }
            spec.policy = value
        }
        if let service = fields["service"] {
            guard let value = DurationParser.nanoseconds(service) else {
                throw .badDuration(field: "service", value: service)
            }
            spec.serviceNs = value
        }
        return spec
    }
}
