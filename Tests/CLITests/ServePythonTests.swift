import Foundation
import Primitives
import Testing
import TicktapeTestSupport
import Upbit

/// `ticktape serve` as a foreign client sees it: the built binary on loopback, read by the
/// pyupbit-style Python client (`peers/upbit_client.py`, the `websockets` library).
@Suite struct ServePythonTests {
    static let peer = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("peers/upbit_client.py").path
    static let peerAvailable: Bool = {
        // Once per run, before any test starts: a short blocking probe is fine here (bounded).
        guard let probe = try? ChildProcess(executable: "/usr/bin/env", ["python3", "-c", "import websockets"]) else {
            return false
        }
        return probe.waitBlocking(seconds: 60) && probe.status == 0
    }()
    static let codes = ["KRW-BTC", "KRW-XRP"]

    /// A clean synthetic recording of 4 markets × ticker/trade/orderbook, DEFAULT keys.
    private func sourceTape() async throws -> String {
        let tape = temporaryDirectory() + "/source.tape"
        try await ticktapeOK([
            "_synth", "--out", tape, "--seconds", "10", "--rate", "100", "--symbols", "4", "--seed", "5",
        ])
        return tape
    }

    /// Runs the peer's `stream` mode against `url`; returns its JSON report.
    private func stream(_ url: String, format: String, count: Int) async throws -> [String: Any] {
        let run = try await runProcess(
            "python3",
            [
                Self.peer, url, "stream", "--types", "ticker,trade,orderbook", "--codes",
                Self.codes.joined(separator: ","), "--format", format, "--count", "\(count)", "--linger", "0.5",
            ],
            seconds: 60
        )
        guard run.status == 0 else { throw ServeTestError("peer failed (\(run.status)): \(run.stderr)") }
        guard let report = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any] else {
            throw ServeTestError("peer printed no JSON object: \(run.stdout)")
        }
        return report
    }

    @Test(.enabled(if: peerAvailable, "python3 with the websockets package is missing: no foreign client"))
    func aPyupbitClientGetsOnlyItsCodesAsBinaryFramesInRecordedOrderByteForByte() async throws {
        let tape = try await sourceTape()
        let all = try marketMessages(of: tape).messages
        let expected = try marketMessages(of: tape, codes: Set(Self.codes)).messages
        try #require(expected.count > 100 && expected.count < all.count, "the subset is a proper part of the tape")

        let server = try await ServedTape(tape: tape, ["--speed", "50"])
        defer { server.kill() }
        let report = try await stream(server.url, format: "DEFAULT", count: expected.count)
        #expect(report["received"] as? Int == expected.count)
        #expect(report["extra"] as? Int == 0, "nothing after the last frame of its codes")
        #expect(report["non_binary"] as? Int == 0, "Upbit sends binary frames")
        #expect(Set(report["codes"] as? [String] ?? ["?"]) == Set(Self.codes))
        #expect(Set(report["types"] as? [String] ?? ["?"]) == ["ticker", "trade", "orderbook"])
        // Recorded order, byte for byte: what pyupbit decodes is what the recorder received.
        let digests = report["sha256"] as? [String] ?? []
        let expectedDigests = expected.map { SHA256.hex(SHA256.hash($0.payload)) }
        #expect(digests == expectedDigests)
        if let index = digests.indices.first(where: {
            $0 >= expectedDigests.count || digests[$0] != expectedDigests[$0]
        }) {
            Issue.record("first difference at frame \(index) of \(expected.count)")
        }
        let status = try #require(report["status"] as? [String: Any])
        #expect(status["clients"] as? Int == 1 && status["started"] as? Bool == true, "\(status)")

        let (code, stdout) = await server.stop(signal: SIGINT)
        #expect(code == 0, "exit \(code) after SIGINT")
        let lines = stdout.split(separator: "\n")
        #expect(lines.count == 2 && lines[1].hasPrefix("stopped: "), "\(stdout)")
    }

    @Test(.enabled(if: peerAvailable, "python3 with the websockets package is missing: no foreign client"))
    func aSimpleClientOfADefaultTapeGetsTheSameFramesInSimpleKeys() async throws {
        let tape = try await sourceTape()
        let expected = try marketMessages(of: tape, codes: Set(Self.codes)).messages
        let server = try await ServedTape(tape: tape, ["--speed", "50"])
        defer { server.kill() }
        let report = try await stream(server.url, format: "SIMPLE", count: expected.count)
        #expect(report["received"] as? Int == expected.count)
        #expect(report["extra"] as? Int == 0 && report["non_binary"] as? Int == 0)
        for keys in report["key_sets"] as? [[String]] ?? [] {
            #expect(Set(["ty", "cd", "st", "tms"]).isSubset(of: keys))
            #expect(!keys.contains("type") && !keys.contains("code") && !keys.contains("stream_type"))
        }
        let simple = expected.map { UpbitFormat.convert($0.payload, to: .simple) ?? [] }
        #expect(report["sha256"] as? [String] == simple.map { SHA256.hex(SHA256.hash($0)) })
        #expect(await server.stop(signal: SIGINT).status == 0)
    }
}
