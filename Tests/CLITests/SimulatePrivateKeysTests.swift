import Foundation
import TapeLog
import Testing
import TicktapeTestSupport
import Upbit
import Wire

/// `simulate --private-keys` as a user meets it: `record --private` with the right keys gets in,
/// with a wrong secret it is refused with Upbit's INVALID_AUTH at every attempt, and
/// `/status` counts both.
@Suite(.timeLimit(.minutes(3))) struct SimulatePrivateKeysTests {
    static let access = "AKcliprivatekeysaccess"
    static let secret = "SKcliprivatekeyssecret"

    func record(_ url: String, secret: String, out: String) async throws -> ChildProcess {
        let child = try ChildProcess(
            ticktape: [
                "record", url, "--out", out, "--private", "--upbit", "myOrder:KRW-BTC;myAsset", "--duration", "2s",
            ],
            environment: environment(adding: [
                UpbitCredentials.accessKeyVariable: Self.access, UpbitCredentials.secretKeyVariable: secret,
            ])
        )
        #expect(await child.wait(seconds: 60), "record --duration must end by itself")
        return child
    }

    @Test func aWrongSecretIsRefusedWithInvalidAuthAndTheRightOneRecords() async throws {
        let simulator = try await SimulatorProcess([
            "--symbols", "1", "--rate", "200", "--private-keys", "\(Self.access):\(Self.secret)",
        ])
        let dir = temporaryDirectory()
        let refused = try await record(simulator.url, secret: "SKnotthesecret", out: dir + "/refused.tape")
        let failures = try TapeReader(path: dir + "/refused.tape").events().filter { $0.kind == .connectFailed }
        #expect(!failures.isEmpty, "\(refused.stdout)\(refused.stderr)")
        #expect(failures.allSatisfy { ($0.detail ?? "").contains("INVALID_AUTH") }, "\(failures.map(\.detail))")
        #expect(try TapeReader(path: dir + "/refused.tape").events().allSatisfy { $0.kind != .connect })

        let good = try await record(simulator.url, secret: Self.secret, out: dir + "/good.tape")
        #expect(good.status == 0, "\(good.stderr)")
        let events = try TapeReader(path: dir + "/good.tape").events()
        #expect(events.filter { $0.kind == .connect }.count == 1)

        let status = try HTTPResponse(port: port(of: simulator.url), path: "/status")
        let object = try JSONSerialization.jsonObject(with: Data(status.body.utf8)) as? [String: Any]
        #expect(object?["tokens_accepted"] as? Int == 1, "\(status.body)")
        #expect(object?["tokens_rejected"] as? Int == failures.count, "\(status.body)")
        let (code, _) = await simulator.stop(signal: SIGINT)
        #expect(code == 0)
    }
}
