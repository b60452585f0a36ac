import Foundation
import Testing
import TicktapeTestSupport
import Wire

/// Secrets never reach a terminal: credentials in a URL are redacted from every message, and a
/// bearer token is never sent in clear to a host that is not loopback.
@Suite(.timeLimit(.minutes(2))) struct RecordSecretsTests {
    @Test(arguments: [
        "ws://user:S3cretPASSWORD@127.0.0.1:9/websocket/v1",
        "wss://user:S3cretPASSWORD@api.example.invalid/websocket/v1",
        "ws://S3cretPASSWORD@127.0.0.1:9/websocket/v1",
        // A password with '/' ends the authority early (the port then looks bad): still hidden.
        "ws://user:S3cret/PASSWORD@127.0.0.1:9/websocket/v1",
    ])
    func aPasswordInTheURLNeverReachesStdoutOrStderr(url: String) async throws {
        let out = temporaryDirectory() + "/creds.tape"
        let result = try await runTicktape(["record", url, "--upbit", "trade:KRW-BTC", "--out", out])
        #expect(result.status == 2, "\(result.stderr)")
        for secret in ["S3cretPASSWORD", "S3cret", "PASSWORD"] {
            #expect(!result.stdout.contains(secret) && !result.stderr.contains(secret), "\(result.stderr)")
        }
        #expect(result.stderr.contains("***@"), "the URL is quoted, redacted: \(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test func redactingKeepsTheUserAndHidesThePassword() {
        #expect(WebSocketURL.redacting("ws://user:pw@host/x") == "ws://user:***@host/x")
        #expect(WebSocketURL.redacting("wss://token@host:443/") == "wss://***@host:443/")
        #expect(WebSocketURL.redacting("ws://u:p/q@h/") == "ws://u:***@h/")
        #expect(WebSocketURL.redacting("ws://host/websocket/v1") == "ws://host/websocket/v1")
    }

    @Test func loopbackHostsAreRecognised() throws {
        for url in ["ws://127.0.0.1/", "ws://127.8.9.10:9/", "ws://[::1]:9/", "ws://localhost/", "ws://LOCALHOST:1/"] {
            #expect(try WebSocketURL(url).hostIsLoopback, "\(url)")
        }
        for url in [
            "ws://192.0.2.1/", "ws://10.0.0.1/", "ws://[2001:db8::1]/", "ws://example.invalid/", "ws://128.0.0.1/",
        ] {
            #expect(try !WebSocketURL(url).hostIsLoopback, "\(url)")
        }
    }

    /// The rule is checked while the flags are validated: before the keys are used, before the
    /// tape is created and before any connection (192.0.2.1 is TEST-NET-1 and is never contacted:
    /// the run ends before a socket exists, which the missing tape file shows).
    @Test func privateOverPlainWSToANonLoopbackHostExits2NamingTheRule() async throws {
        let out = temporaryDirectory() + "/private.tape"
        let started = ContinuousClock.now
        let result = try await runTicktape(
            ["record", "ws://192.0.2.1:9/websocket/v1", "--upbit", "myAsset", "--private", "--out", out],
            environment: ProcessInfo.processInfo.environment.merging([
                UpbitCredentials.accessKeyVariable: "AKaccess",
                UpbitCredentials.secretKeyVariable: "SKsecret",
            ]) { $1 }
        )
        #expect(result.status == 2, "\(result.stderr)")
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "one clear line: \(result.stderr)")
        #expect(result.stderr.contains("--private") && result.stderr.contains("wss://"), "\(result.stderr)")
        #expect(result.stderr.contains("loopback"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out), "refused before the tape (and any socket) existed")
        #expect(ContinuousClock.now - started < .seconds(30))
        for secret in ["AKaccess", "SKsecret"] { #expect(!result.stderr.contains(secret)) }
    }
}
