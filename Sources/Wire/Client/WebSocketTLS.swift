import NIOCore
import NIOSSL

/// A client TLS context, built once and reused for every reconnect.
///
/// `NIOSSLContext` creation parses the whole CA bundle, so it is expensive;
/// keep one of these for the life of a recorder. Verification is always full (chain and host
/// name); TLS 1.2 is the minimum (swift-nio-ssl's default would allow 1.0).
public struct WebSocketTLS: Sendable {
    /// The underlying context.
    public let context: NIOSSLContext

    /// Wraps a context built from an arbitrary configuration.
    public init(configuration: TLSConfiguration) throws {
        self.context = try NIOSSLContext(configuration: configuration)
    }

    /// The system trust store (on Linux `/etc/ssl/certs/ca-certificates.crt`, via swift-nio-ssl).
    public static func systemTrustRoots() throws -> WebSocketTLS {
        try WebSocketTLS(configuration: Self.baseConfiguration())
    }

    /// Trusts only the given PEM certificates (e.g. a test CA or a self-signed server cert).
    public static func pinnedRoots(pem: [String]) throws -> WebSocketTLS {
        var configuration = Self.baseConfiguration()
        let certificates = try pem.flatMap { try NIOSSLCertificate.fromPEMBytes(Array($0.utf8)) }
        configuration.trustRoots = .certificates(certificates)
        return try WebSocketTLS(configuration: configuration)
    }

    private static func baseConfiguration() -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        configuration.certificateVerification = .fullVerification
        return configuration
    }

    /// The TLS handler for a connection to `host`. SNI carries the name and the certificate is
    /// checked against it; an IP literal cannot be sent as SNI (`cannotUseIPAddressInSNI`), so
    /// then no SNI is sent and the peer's IP is checked against the certificate's IP SANs.
    func makeHandler(host: String) throws -> NIOSSLClientHandler {
        do {
            return try NIOSSLClientHandler(context: self.context, serverHostname: host)
        } catch let error as NIOSSLExtraError where error == .cannotUseIPAddressInSNI {
            return try NIOSSLClientHandler(context: self.context, serverHostname: nil)
        }
    }
}

/// A server TLS context from PEM text (certificate chain first, leaf first) and a PEM key.
public struct WebSocketServerTLS: Sendable {
    public let context: NIOSSLContext

    public init(certificateChainPEM: String, privateKeyPEM: String) throws {
        let chain = try NIOSSLCertificate.fromPEMBytes(Array(certificateChainPEM.utf8))
        let key = try NIOSSLPrivateKey(bytes: Array(privateKeyPEM.utf8), format: .pem)
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) },
            privateKey: .privateKey(key)
        )
        configuration.minimumTLSVersion = .tlsv12
        self.context = try NIOSSLContext(configuration: configuration)
    }
}
