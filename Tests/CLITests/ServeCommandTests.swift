import Foundation
import TapeLog
import Testing
import TicktapeTestSupport

/// `ticktape serve` as a process: first line, `/status` on the same port, clean exit on signals,
/// bad input before binding.
@Suite(.timeLimit(.minutes(3))) struct ServeCommandTests {
    @Test func servesAnnouncesItselfAnswersStatusAndExitsZeroOnSIGTERMAndSIGINT() async throws {
        let dir = temporaryDirectory()
        let tape = dir + "/s.tape"
        try writeSampleTape(at: tape, epochs: 2, framesPerEpoch: 30)
        for signal in [SIGTERM, SIGINT] {
            let server = try ChildProcess(ticktape: ["serve", tape, "--port", "0", "--speed", "10", "--loop"])
            let line = await server.firstLine(seconds: 60) ?? "no first line: \(server.stderr)"
            let prefix = "serving \(tape) on ws://127.0.0.1:"
            #expect(line.hasPrefix(prefix) && line.hasSuffix("/websocket/v1"), "\(line)")
            let port = Int(line.dropFirst(prefix.count).prefix { $0.isNumber }) ?? 0
            #expect(port > 0)

            let response = try loopbackGet(port: port, path: "/status")
            #expect(response.hasPrefix("HTTP/1.1 200 OK"), "\(response)")
            let body = response.components(separatedBy: "\r\n\r\n").last ?? ""
            let json = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
            #expect(json?["speed"] as? String == "10")
            #expect(json?["clients"] as? Int == 0)
            #expect(json?["epoch"] as? Int == 0 && json?["started"] as? Bool == false)
            #expect(json?.keys.contains("position") == true)
            #expect(json?["loop"] as? Bool == true)
            #expect(json?["clients_closed_budget"] as? Int == 0 && json?["clients_closed_unwritable"] as? Int == 0)

            server.send(signal)
            #expect(await server.wait(seconds: 60), "serve must exit on signal \(signal)")
            #expect(server.status == 0, "exit \(server.status) after signal \(signal): \(server.stderr)")
            let name = signal == SIGTERM ? "SIGTERM" : "SIGINT"
            #expect(server.stdout.hasSuffix(", by \(name)\n"), "the stop names its signal: \(server.stdout)")
        }
    }

    @Test func badTapesAndOptionsExitTwoWithOneLineBeforeBinding() async throws {
        let dir = temporaryDirectory()
        _ = FileManager.default.createFile(atPath: dir + "/random", contents: Data((0..<4096).map { UInt8($0 % 251) }))
        try writeSampleTape(at: dir + "/ok.tape", epochs: 1, framesPerEpoch: 5)
        let cases: [[String]] = [
            ["serve", dir + "/missing.tape", "--port", "0"],
            ["serve", dir + "/random", "--port", "0"],
            ["serve", dir, "--port", "0"],
            ["serve", dir + "/ok.tape", "--speed", "fast"],
            ["serve", dir + "/ok.tape", "--speed", "0"],
            ["serve", dir + "/ok.tape", "--max-message", "lots"],
            ["serve", dir + "/ok.tape", "--port", "70000"],
            ["serve", dir + "/ok.tape", "--max-clients", "0"],
        ]
        for arguments in cases {
            let result = try await runTicktape(arguments)
            #expect(result.status == 2, "\(arguments): exit \(result.status), \(result.stderr)")
            let lines = result.stderr.split(separator: "\n")
            #expect(lines.count == 1 && lines[0].hasPrefix("ticktape: "), "\(arguments): \(result.stderr)")
            #expect(result.stdout.isEmpty, "nothing was served: \(result.stdout)")
        }
    }

    @Test func theTapeIsCheckedBeforeThePortAndABusyPortIsARuntimeFailure() async throws {
        let dir = temporaryDirectory()
        try writeSampleTape(at: dir + "/ok.tape", epochs: 1, framesPerEpoch: 5)
        let holder = try ChildProcess(ticktape: ["serve", dir + "/ok.tape", "--port", "0"])
        let line = await holder.firstLine(seconds: 60) ?? "no first line: \(holder.stderr)"
        let port = String(line.split(separator: ":").last?.prefix { $0.isNumber } ?? "")
        #expect(!port.isEmpty, "\(line)")
        let bad = try await runTicktape(["serve", dir + "/missing.tape", "--port", port])
        #expect(bad.status == 2, "a bad tape is refused before binding: \(bad.stderr)")
        let busy = try await runTicktape(["serve", dir + "/ok.tape", "--port", port])
        #expect(busy.status == 3, "\(busy.stderr)")
        #expect(
            busy.stderr.split(separator: "\n").count == 1 && busy.stderr.contains("cannot listen on 127.0.0.1:\(port)")
        )
        holder.send(SIGTERM)
        #expect(await holder.wait(seconds: 60))
        #expect(holder.status == 0)
    }
}
