import Foundation
import NIOCore
import NIOHTTP1
import Primitives
import TicktapeTestSupport
import Upbit

@testable import Wire

/// A quotation source with fixed state: markets, latest ticker/orderbook messages, trades.
final class FakeQuotations: QuotationSource {
    let markets: [String]
    let latestMessages: [String: ExchangeMessage]
    let trades: [String: [ExchangeMessage]]

    /// `messages` are WebSocket payloads (either key spelling); trades listed oldest first.
    init(markets: [String], messages: [String] = [], trades: [String] = []) {
        self.markets = markets
        var latest: [String: ExchangeMessage] = [:]
        var recent = RecentTrades(markets: markets.count)
        for text in messages + trades {
            let payload = Array(text.utf8)
            let facts = UpbitScanner.facts(of: payload)
            let message = ExchangeMessage(
                type: facts.type ?? "",
                code: facts.code,
                format: TapeReplayState.keySpelling(of: payload) ?? .default,
                payload: payload
            )
            if facts.type == "trade" {
                recent.append(message, code: facts.code ?? "", sequentialID: facts.sequentialID)
            } else {
                latest["\(facts.type ?? "")|\(facts.code ?? "")"] = message
            }
        }
        self.latestMessages = latest
        self.trades = Dictionary(uniqueKeysWithValues: markets.map { ($0, recent.newestFirst(code: $0)) })
    }

    func listedMarkets() async -> [String] { self.markets }

    func latest(type: String, code: String) async -> ExchangeMessage? { self.latestMessages["\(type)|\(code)"] }

    func recentTrades(code: String) async -> [ExchangeMessage] { self.trades[code] ?? [] }
}

/// A responder over `source` on a clock the test moves.
func quotationResponder(
    _ source: some QuotationSource,
    clock: ManualWireClock = ManualWireClock()
)
    -> QuotationResponder
{
    var options = QuotationResponder.Options()
    options.clock = clock.wireClock
    return QuotationResponder(source: source, options: options)
}

extension QuotationResponder {
    /// `GET uri` from `client`; the reply (a test fails on nil through `#require` at the caller).
    func get(_ uri: String, from client: String = "127.0.0.1") async -> HTTPReply? {
        let address = try? SocketAddress(ipAddress: client, port: 50_000)
        return await self.reply(to: PlainHTTPRequest(method: .GET, uri: uri, remoteAddress: address))
    }
}

extension HTTPReply {
    /// The body parsed by Foundation, as a client would.
    var json: Any? { try? JSONSerialization.jsonObject(with: Data(self.body.utf8)) }
    /// The body as an array of objects.
    var objects: [[String: Any]] { (self.json as? [[String: Any]]) ?? [] }
    /// `Remaining-Req`, if sent.
    var remainingReq: String? { self.headers.first(name: "Remaining-Req") }
    /// The member names of each object of the body, in order (Foundation forgets the order).
    var keyOrders: [[String]] {
        guard case .array(let items)? = try? JSONValue.parse(Array(self.body.utf8)) else { return [] }
        return items.map { $0.objectValue?.map(\.0) ?? [] }
    }
}
