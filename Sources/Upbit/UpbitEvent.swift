import Exchange
import Primitives

/// An Upbit message decoded into a typed event, from DEFAULT or SIMPLE keys alike.
///
/// Decoding is for consumers and tools, off the hot path (the rules work on `FrameFacts`).
/// Numbers keep their exact text in ``UpbitNumber`` — prices like `100473000.00000000` and
/// balances with 20 decimals survive unchanged — and `sequential_id` is an exact `UInt64`.
/// Every `…TimestampMs` is in milliseconds whatever unit Upbit sent (it sent microseconds for a
/// while in 2023; see `EventTimeUnit`), and integers written as `1.6E12` read as the integers
/// they are.
public enum UpbitEvent: Sendable, Equatable {
    case ticker(UpbitTicker)
    case trade(UpbitTrade)
    case orderbook(UpbitOrderbook)
    case candle(UpbitCandle)
    case myOrder(UpbitMyOrder)
    case myAsset(UpbitMyAsset)
    /// `{"status":"UP"}`, the keep-alive reply.
    case status(String)
    /// `{"error":{"name":…,"message":…}}`.
    case error(name: String, message: String)
    /// A LIST_SUBSCRIPTIONS reply, kept as parsed.
    case listSubscriptions(JSONValue)
    /// Valid JSON that is not an Upbit message this version knows: kept raw.
    case unknown([UInt8])
    /// Not JSON, or an Upbit type with a required field missing or of the wrong kind.
    case malformed(reason: String, raw: [UInt8])

    /// Decodes one payload; never throws and never traps.
    public static func decode(_ payload: [UInt8]) -> UpbitEvent {
        let value: JSONValue
        do { value = try JSONValue.parse(payload) } catch {
            return .malformed(reason: "not JSON: \(error)", raw: payload)
        }
        guard value.objectValue != nil else { return .unknown(payload) }
        if let status = value["status"]?.stringValue { return .status(status) }
        if let error = value["error"] {
            return .error(name: error["name"]?.stringValue ?? "", message: error["message"]?.stringValue ?? "")
        }
        if value["method"] != nil || value["mthd"] != nil { return .listSubscriptions(value) }
        guard let type = (value["type"] ?? value["ty"])?.stringValue, let table = UpbitFormat.keyTable(for: type) else {
            return .unknown(payload)
        }
        let fields = UpbitFields(value: value, table: table)
        do {
            switch type {
            case "ticker": return .ticker(try UpbitTicker(fields))
            case "trade": return .trade(try UpbitTrade(fields))
            case "orderbook": return .orderbook(try UpbitOrderbook(fields))
            case "myOrder": return .myOrder(try UpbitMyOrder(fields))
            case "myAsset": return .myAsset(try UpbitMyAsset(fields))
            default: return .candle(try UpbitCandle(fields, type: type))
            }
        } catch {
            return .malformed(reason: "\(type): \(error.reason)", raw: payload)
        }
    }
}

/// A JSON number as Upbit sent it: the exact text, with a `Double` view for arithmetic.
public struct UpbitNumber: Sendable, Hashable, CustomStringConvertible {
    /// The number exactly as written on the wire.
    public let text: String
    /// The nearest Double (exactness is in ``text``).
    public var doubleValue: Double { Double(text) ?? .nan }
    public var description: String { text }

    public init(_ text: String) { self.text = text }
}

/// Why a typed decode failed.
public struct UpbitDecodeError: Error, Sendable {
    public let reason: String
}

/// Field access by DEFAULT name whatever the spelling of the payload.
struct UpbitFields {
    let value: JSONValue
    let table: UpbitFormat.KeyTable

    func raw(_ name: String) -> JSONValue? {
        if let v = value[name] { return v }
        let simple = table.rename(name, to: .simple)
        return simple == name ? nil : value[simple]
    }

    func string(_ name: String) throws(UpbitDecodeError) -> String {
        guard let s = raw(name)?.stringValue else { throw UpbitDecodeError(reason: "\(name) is not a string") }
        return s
    }

    func optionalString(_ name: String) -> String? { raw(name)?.stringValue }

    func number(_ name: String) throws(UpbitDecodeError) -> UpbitNumber {
        guard let n = raw(name)?.numberText else { throw UpbitDecodeError(reason: "\(name) is not a number") }
        return UpbitNumber(n)
    }

    func optionalNumber(_ name: String) -> UpbitNumber? { raw(name)?.numberText.map(UpbitNumber.init) }

    func int(_ name: String) throws(UpbitDecodeError) -> Int64 {
        guard let n = raw(name)?.wholeInt64Value else { throw UpbitDecodeError(reason: "\(name) is not an integer") }
        return n
    }

    func optionalInt(_ name: String) -> Int64? { raw(name)?.wholeInt64Value }

    /// An event time in milliseconds, whatever unit it was sent in (see `EventTimeUnit`).
    func time(_ name: String) throws(UpbitDecodeError) -> Int64 {
        let raw = try int(name)
        return EventTimeUnit(of: raw).milliseconds(raw)
    }

    func optionalTime(_ name: String) -> Int64? {
        optionalInt(name).map { EventTimeUnit(of: $0).milliseconds($0) }
    }

    func streamType() -> StreamType { optionalString("stream_type").flatMap(StreamType.init(name:)) ?? .realtime }

    func items(_ name: String) throws(UpbitDecodeError) -> [UpbitFields] {
        guard let items = raw(name)?.arrayValue, let nested = table.nested[name] else {
            throw UpbitDecodeError(reason: "\(name) is not a list")
        }
        return items.map { UpbitFields(value: $0, table: nested) }
    }
}
