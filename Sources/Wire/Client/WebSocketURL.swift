import NIOCore

/// A `ws://` or `wss://` URL, split into what the connection needs.
///
/// Parsed by hand (no Foundation) so that IPv6 literals, default ports and the `Host` header
/// are exactly as RFC 6455 §3 and RFC 7230 §5.4 want them. User info (`user:pass@`) is refused:
/// credentials in a URL would end up in the tape's session row; the refusal (like every error
/// about a URL) quotes the URL with its password redacted (``redacting(_:)``).
public struct WebSocketURL: Sendable, Hashable, CustomStringConvertible {
    /// `wss` (TLS) or `ws`.
    public var isSecure: Bool
    /// Host name or IP literal, without IPv6 brackets.
    public var host: String
    /// TCP port (default 443 for wss, 80 for ws).
    public var port: Int
    /// The request target: path and query, at least `/`. A fragment is dropped.
    public var pathAndQuery: String

    public init(_ string: String) throws(WebSocketClientError) {
        do {
            try self.init(parsing: string)
        } catch .invalidURL(_, let reason) {
            throw .invalidURL(Self.redacting(string), reason: reason)
        }
    }

    /// A URL as it may be shown (terminal, log, error, tape): the password of its user info
    /// replaced by `***` (`ws://user:***@host/…`), or the whole user info when it has no `:`
    /// (a bare token). Conservative: the user info runs to the last `@` of the URL, so that a
    /// password containing `/`, `?` or `#` is hidden too. URLs without `@` are returned as given.
    public static func redacting(_ url: String) -> String {
        let start = url.range(of: "://")?.upperBound ?? url.startIndex
        guard let at = url[start...].lastIndex(of: "@") else { return url }
        let userinfo = url[start..<at]
        let shown = userinfo.firstIndex(of: ":").map { "\(userinfo[..<$0]):***" } ?? "***"
        return String(url[..<start]) + shown + String(url[at...])
    }

    /// Whether the host is a loopback address: `localhost`, 127.0.0.0/8 or ::1 (also written as
    /// an IPv4-mapped 127.x address). Plain `ws://` may carry a bearer token only there.
    public var hostIsLoopback: Bool {
        let host = self.host.lowercased()
        if host == "localhost" || host == "localhost." { return true }
        guard let address = try? SocketAddress(ipAddress: host, port: 0), let text = address.ipAddress else {
            return false
        }
        return text.hasPrefix("127.") || text == "::1" || text.hasPrefix("::ffff:127.")
    }

    private init(parsing string: String) throws(WebSocketClientError) {
        let lower = string.lowercased()
        let rest: Substring
        if lower.hasPrefix("wss://") {
            self.isSecure = true
            rest = string.dropFirst(6)
        } else if lower.hasPrefix("ws://") {
            self.isSecure = false
            rest = string.dropFirst(5)
        } else {
            throw .invalidURL(string, reason: "scheme must be ws or wss")
        }
        let withoutFragment = rest.prefix { $0 != "#" }
        let authorityEnd = withoutFragment.firstIndex { $0 == "/" || $0 == "?" } ?? withoutFragment.endIndex
        let authority = withoutFragment[..<authorityEnd]
        let target = withoutFragment[authorityEnd...]
        self.pathAndQuery = target.isEmpty ? "/" : (target.first == "?" ? "/" + target : String(target))
        guard !authority.contains("@") else { throw .invalidURL(string, reason: "credentials in the URL") }

        var portText: Substring?
        if authority.first == "[" {
            guard let close = authority.firstIndex(of: "]") else { throw .invalidURL(string, reason: "unclosed [") }
            self.host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.first == ":" else { throw .invalidURL(string, reason: "junk after ]") }
                portText = after.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: ":") {
            self.host = String(authority[..<colon])
            portText = authority[authority.index(after: colon)...]
        } else {
            self.host = String(authority)
        }
        guard !self.host.isEmpty else { throw .invalidURL(string, reason: "no host") }
        if let portText {
            guard let port = Int(portText), (1...65_535).contains(port) else {
                throw .invalidURL(string, reason: "bad port")
            }
            self.port = port
        } else {
            self.port = self.isSecure ? 443 : 80
        }
    }

    /// Whether the host is an IPv4 or IPv6 literal (such hosts cannot be sent as TLS SNI).
    public var hostIsIPAddress: Bool {
        if self.host.contains(":") { return true }
        let parts = self.host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { UInt8($0) != nil }
    }

    /// The `Host` header value: the host (bracketed if IPv6) plus `:port` when not the default.
    public var hostHeader: String {
        let host = self.host.contains(":") ? "[\(self.host)]" : self.host
        return self.port == (self.isSecure ? 443 : 80) ? host : "\(host):\(self.port)"
    }

    public var description: String {
        "\(self.isSecure ? "wss" : "ws")://\(self.hostHeader)\(self.pathAndQuery)"
    }
}
