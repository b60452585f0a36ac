import Foundation
import Primitives

/// Removes credentials from text that is about to be written to a tape.
///
/// What the recorder itself writes never carries credentials: the JWT travels only in the
/// upgrade request's headers and the session row's URL is redacted. But lifecycle details quote
/// the server (a refused upgrade's body, a close reason), and a server may echo the request.
/// The Authorization header and the keys must never enter the tape, so those details pass
/// through here. Secrets shorter than 8 characters are not scrubbed (they would mangle ordinary
/// words); real Upbit keys are 40 characters.
public final class SecretScrubber: Sendable {
    private struct State {
        var fixed: [String] = []
        var tokens: [String] = []
    }

    /// Tokens remembered: the scrubbed details belong to the connection just attempted, so the
    /// last few tokens suffice and memory stays flat over a long session.
    private static let tokensKept = 8
    private static let replacement = "[redacted]"
    private let state = Locked(State())

    public init(secrets: [String] = []) {
        self.state.withLock { $0.fixed = secrets.filter { $0.count >= 8 } }
    }

    /// Remembers a bearer token handed out for a connection.
    public func addToken(_ token: String) {
        guard token.count >= 8 else { return }
        self.state.withLock { state in
            state.tokens.append(token)
            if state.tokens.count > Self.tokensKept { state.tokens.removeFirst() }
        }
    }

    /// `text` with every known token (with its `Bearer ` prefix, when present) and secret
    /// replaced by `[redacted]`.
    public func scrub(_ text: String) -> String {
        let (fixed, tokens) = self.state.withLock { ($0.fixed, $0.tokens) }
        var result = text
        for token in tokens.reversed() {
            result = result.replacingOccurrences(of: "Bearer " + token, with: Self.replacement)
            result = result.replacingOccurrences(of: token, with: Self.replacement)
        }
        for secret in fixed {
            result = result.replacingOccurrences(of: secret, with: Self.replacement)
        }
        return result
    }
}
