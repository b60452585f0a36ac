import Foundation

/// One HTTP response as `curl -i` shows it: status, headers (names lower-cased), body.
struct HTTPResponse {
    var status: Int
    var headers: [String: String]
    var body: String

    /// `GET path` on loopback `port` (``loopbackGet(port:path:)``), split up.
    init(port: Int, path: String) throws {
        try self.init(raw: try loopbackGet(port: port, path: path))
    }

    /// A whole response as read from the socket.
    init(raw: String) throws {
        guard let split = raw.range(of: "\r\n\r\n") else { throw ServeTestError("no HTTP head in: \(raw)") }
        let lines = raw[..<split.lowerBound].components(separatedBy: "\r\n")
        let statusLine = lines.first?.split(separator: " ") ?? []
        self.status = statusLine.count > 1 ? Int(statusLine[1]) ?? 0 : 0
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let value = line[line.index(after: colon)...].drop { $0 == " " }
            headers[line[..<colon].lowercased()] = String(value)
        }
        self.headers = headers
        self.body = String(raw[split.upperBound...])
    }

    /// The body as a JSON array of objects (empty when it is not one).
    var objects: [[String: Any]] {
        (try? JSONSerialization.jsonObject(with: Data(self.body.utf8)) as? [[String: Any]]) ?? []
    }

    /// The body as a JSON object (an error body).
    var object: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(self.body.utf8)) as? [String: Any]) ?? [:]
    }

    /// `Remaining-Req` read the way pyupbit reads it (its regex): group, min, sec.
    var remainingReq: (group: String, min: Int, sec: Int)? {
        guard let value = self.headers["remaining-req"],
            let match = value.wholeMatch(of: /group=([a-z\-]+); min=([0-9]+); sec=([0-9]+)/),
            let min = Int(match.2), let sec = Int(match.3)
        else { return nil }
        return (String(match.1), min, sec)
    }
}

/// The port of a `ws://127.0.0.1:PORT/websocket/v1` URL.
func port(of url: String) -> Int {
    Int(url.split(separator: ":").last?.prefix { $0.isNumber } ?? "") ?? 0
}

/// The repository's Fixtures directory.
let fixturesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../../Fixtures").standardized.path
