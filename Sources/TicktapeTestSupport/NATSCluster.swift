import Foundation

/// A 3-node NATS JetStream cluster on loopback ports for tests: its own configs and stores in a
/// temporary directory, nodes killed and restarted one by one or all at once.
public final class NATSCluster: @unchecked Sendable {
    /// The nodes' client ports and cluster route ports.
    public let clientPorts: [Int]
    public let routePorts: [Int]
    public let directory: String
    private var nodes: [ChildProcess?]

    /// `nats://127.0.0.1:P1,…` for `--publish` and `pull`.
    public var url: String { clientPorts.map { "nats://127.0.0.1:\($0)" }.joined(separator: ",") }
    /// One URL per node.
    public var servers: [String] { clientPorts.map { "nats://127.0.0.1:\($0)" } }

    /// The `nats-server` binary (Debian: nats-server), or nil when it is not installed.
    public static var binary: String? {
        ["/usr/bin/nats-server", "/usr/sbin/nats-server", "/usr/local/bin/nats-server"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }

    /// Writes the three nodes' configs and starts them.
    public init() throws {
        guard let binary = Self.binary else { throw NATSClusterError("nats-server is not installed") }
        _ = binary
        let ports = try freePorts(6)
        clientPorts = Array(ports[0..<3])
        routePorts = Array(ports[3..<6])
        directory = temporaryDirectory("nats")
        nodes = [nil, nil, nil]
        for i in 0..<3 {
            let routes = (0..<3).filter { $0 != i }.map { "nats-route://127.0.0.1:\(routePorts[$0])" }
            let config = """
                server_name: n\(i + 1)
                listen: 127.0.0.1:\(clientPorts[i])
                jetstream {
                  store_dir: "\(directory)/data/n\(i + 1)"
                  max_memory_store: 64MB
                  max_file_store: 1GB
                }
                cluster {
                  name: ticktape-test
                  listen: 127.0.0.1:\(routePorts[i])
                  routes: [\(routes.joined(separator: ", "))]
                }
                """
            try config.write(toFile: "\(directory)/n\(i + 1).conf", atomically: true, encoding: .utf8)
        }
        for i in 0..<3 { try start(i) }
        // Every node listening before the test goes on (a busy machine starts them slowly).
        let deadline = Date().addingTimeInterval(30)
        while !clientPorts.allSatisfy(accepts(port:)) {
            guard Date() < deadline else { throw NATSClusterError("the nodes did not listen within 30 s") }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    deinit { for i in 0..<3 { kill(i) } }

    /// Starts node `i` (0-based) from its config; its store is kept across restarts.
    public func start(_ i: Int) throws {
        guard nodes[i] == nil, let binary = Self.binary else { return }
        nodes[i] = try ChildProcess(executable: binary, ["-c", "\(directory)/n\(i + 1).conf"], in: directory)
    }

    /// Kills node `i` with SIGKILL (no goodbye to the cluster) and waits for it to end.
    public func kill(_ i: Int) {
        guard let node = nodes[i] else { return }
        node.kill()
        _ = node.waitBlocking(seconds: 10)
        nodes[i] = nil
    }

    /// Every node, killed.
    public func killAll() { for i in 0..<3 { kill(i) } }
    /// Every node stopped, started.
    public func startAll() throws { for i in 0..<3 { try start(i) } }
}

extension NATSCluster {
    /// One cluster shared by the tests that only publish and pull (each in a stream of its own),
    /// started on first use and killed when the test process exits: fewer servers running
    /// alongside the rest of the suite.
    public static func shared() throws -> NATSCluster { try sharedCluster.get() }
}

private let sharedCluster: Result<NATSCluster, any Error> = {
    let cluster = Result { try NATSCluster() }
    if case .success = cluster {
        atexit { if case .success(let cluster) = sharedCluster { cluster.killAll() } }
    }
    return cluster
}()

/// The cluster could not be set up.
public struct NATSClusterError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// `count` distinct free TCP ports on 127.0.0.1, below the kernel's ephemeral range (from 20000),
/// so that no outbound connection or port-0 listener of a test running alongside can take one
/// between this check and the server binding it.
public func freePorts(_ count: Int) throws -> [Int] {
    var ports: [Int] = []
    var attempts = 0
    while ports.count < count {
        attempts += 1
        guard attempts < 10_000 else { throw NATSClusterError("no free port below the ephemeral range") }
        let port = Int.random(in: 20_000..<32_000)
        if ports.contains(port) { continue }
        let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard s >= 0 else { throw NATSClusterError("socket: \(errno)") }
        defer { close(s) }
        if withLoopback(port: port, { bind(s, $0, $1) == 0 }) { ports.append(port) }
    }
    return ports
}

/// Whether something accepts TCP connections on 127.0.0.1:`port`.
func accepts(port: Int) -> Bool {
    let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard s >= 0 else { return false }
    defer { close(s) }
    return withLoopback(port: port) { connect(s, $0, $1) == 0 }
}

/// `body` with the address 127.0.0.1:`port` and its length.
private func withLoopback(port: Int, _ body: (UnsafePointer<sockaddr>, socklen_t) -> Bool) -> Bool {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    return withUnsafePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            body($0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
}
