/// A self-signed P-256 test certificate for `localhost` with IP SAN 127.0.0.1, valid from 2000
/// to 2126 (so a machine with a skewed clock still accepts it).
///
/// Made once with OpenSSL 3.0 (`req -x509` cannot back-date, so `ca -selfsign` was used):
/// `openssl ecparam -name prime256v1 -genkey | openssl pkcs8 -topk8 -nocrypt > key.pem`,
/// `openssl req -new -key key.pem -subj /CN=localhost > csr.pem`,
/// `openssl ca -selfsign -keyfile key.pem -in csr.pem -startdate 20000101000000Z
///  -enddate 21260101000000Z` with extensions `subjectAltName = DNS:localhost,IP:127.0.0.1`,
/// `basicConstraints = critical,CA:TRUE`.
/// Embedded as text (as swift-nio-ssl's own tests do) so no file paths or bundles are involved.
enum TestCertificates {
    static let certificatePEM = """
        -----BEGIN CERTIFICATE-----
        MIIBZzCCAQ2gAwIBAgIBATAKBggqhkjOPQQDAjAUMRIwEAYDVQQDDAlsb2NhbGhv
        c3QwIBcNMDAwMTAxMDAwMDAwWhgPMjEyNjAxMDEwMDAwMDBaMBQxEjAQBgNVBAMM
        CWxvY2FsaG9zdDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABO9fFbpIk6Drmc1e
        vrYlGtB+miz6ViBpD1BZGr7bR/xgmzgNx5/Rl3raTfIJi27ZCDZ672h9eLMWnGRr
        LrT24zyjTjBMMBoGA1UdEQQTMBGCCWxvY2FsaG9zdIcEfwAAATAPBgNVHRMBAf8E
        BTADAQH/MB0GA1UdDgQWBBSoG3wYaYHgATbkgfQvm/2u7nVImzAKBggqhkjOPQQD
        AgNIADBFAiEAtvt2uKCzBmdUdSAcMXeIKleCewJRqFO63bds9C+C/OgCIHuqY3pR
        0wYiPzpU7hGkFKMFxxoJiLkvcrbiZWiuw6ri
        -----END CERTIFICATE-----
        """

    static let privateKeyPEM = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgPJWF0rgt9Q6G7Vod
        eOeq8lVcCVFVUghlLJfcHCwHctyhRANCAATvXxW6SJOg65nNXr62JRrQfpos+lYg
        aQ9QWRq+20f8YJs4Dcef0Zd62k3yCYtu2Qg2eu9ofXizFpxkay609uM8
        -----END PRIVATE KEY-----
        """
}
