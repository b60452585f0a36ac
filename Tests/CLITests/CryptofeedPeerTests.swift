import Foundation
import Testing
import TicktapeTestSupport

/// An unmodified cryptofeed `Upbit` feed (the pip package, `peers/cryptofeed_upbit.py`) as a
/// foreign client of the built `ticktape simulate` and `ticktape serve`: it loads the market
/// list over REST, subscribes over WebSocket and must deliver trades and book updates.
@Suite(.timeLimit(.minutes(3))) struct CryptofeedPeerTests {
    static let peer = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("peers/cryptofeed_upbit.py").path
    /// Whether python3 with the cryptofeed package runs here (asked once).
    static let peerCheck = Task {
        (try? await runProcess("python3", ["-c", "import cryptofeed"], seconds: 60))?.status == 0
    }
    static let codes = ["KRW-BTC", "KRW-ETH"]
    static let symbols = ["BTC-KRW", "ETH-KRW"]

    /// Runs the feed against `port` until it has 10 trades and 10 book updates per code.
    private func feed(port: Int) async throws -> [String: Any] {
        let run = try await runProcess(
            "python3",
            [Self.peer, "\(port)", "--codes", Self.codes.joined(separator: ","), "--timeout", "60"],
            seconds: 90
        )
        guard let report = try? JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any] else {
            throw ServeTestError("peer printed no JSON (\(run.status)): \(run.stdout)\n\(run.stderr)")
        }
        #expect(run.status == 0, "peer: \(run.stderr)")
        return report
    }

    /// What every run must show: the market list came over REST, and both codes delivered.
    private func expectDelivered(_ report: [String: Any], markets: Set<String>) {
        #expect(Set(report["symbols_loaded"] as? [String] ?? []) == markets)
        #expect(report["reached"] as? Bool == true)
        let trades = report["trades"] as? [String: Int] ?? [:]
        let books = report["books"] as? [String: Int] ?? [:]
        for symbol in Self.symbols {
            #expect((trades[symbol] ?? 0) >= 10, "\(symbol) trades: \(trades)")
            #expect((books[symbol] ?? 0) >= 10, "\(symbol) books: \(books)")
        }
        let trade = report["trade_sample"] as? [String: Any] ?? [:]
        #expect(Self.symbols.contains(trade["symbol"] as? String ?? ""), "\(trade)")
        #expect(["buy", "sell"].contains(trade["side"] as? String ?? ""))
        #expect(Double(trade["price"] as? String ?? "") ?? 0 > 0)
        let book = report["book_sample"] as? [String: Any] ?? [:]
        #expect(book["bids"] as? Int == 30 && book["asks"] as? Int == 30, "\(book)")
        #expect(report["crossed"] == nil, "no crossed book")
    }

    @Test(.enabled("python3 with the cryptofeed package is missing: no cryptofeed peer") { await peerCheck.value })
    func aCryptofeedUpbitFeedGetsTradesAndBooksFromSimulate() async throws {
        let simulator = try await SimulatorProcess(["--symbols", "4", "--rate", "400", "--seed", "9"])
        let report = try await feed(port: port(of: simulator.url))
        expectDelivered(report, markets: ["BTC-KRW", "ETH-KRW", "XRP-KRW", "SOL-KRW"])
        let (code, stdout) = await simulator.stop(signal: SIGINT)
        #expect(code == 0)
        #expect(
            stdout.split(separator: "\n").dropFirst().first?.hasPrefix("simulate: 1 connections") == true,
            "\(stdout)"
        )
    }

    @Test(.enabled("python3 with the cryptofeed package is missing: no cryptofeed peer") { await peerCheck.value })
    func aCryptofeedUpbitFeedGetsTradesAndBooksFromAServedFixture() async throws {
        let server = try await ServedTape(tape: fixturesDirectory + "/dup-reorder.tape", ["--speed", "10"])
        defer { server.kill() }
        let report = try await feed(port: server.port)
        expectDelivered(report, markets: ["BTC-KRW", "ETH-KRW", "XRP-KRW", "SOL-KRW"])
        // What the feed saw is the tape's: REST now answers from the replay position.
        let trades = try HTTPResponse(port: server.port, path: "/v1/trades/ticks?market=KRW-ETH&count=5")
        #expect(trades.status == 200 && trades.objects.count == 5)
        #expect(await server.stop(signal: SIGINT).status == 0)
    }
}
