// swift-tools-version:6.0
// Swift 6 language mode for every target (tools-version 6.0).
import PackageDescription

let package = Package(
    name: "ticktape",
    platforms: [.macOS(.v15)],  // Synchronization's Atomic and Mutex need macOS 15
    products: [
        .executable(name: "ticktape", targets: ["ticktape"]),
        .library(name: "TapeLog", targets: ["TapeLog"]),
        .library(name: "Rules", targets: ["Rules"]),
        .library(name: "Replay", targets: ["Replay"]),
        .library(name: "Wire", targets: ["Wire"]),
        .library(name: "Primitives", targets: ["Primitives"]),
        .library(name: "Exchange", targets: ["Exchange"]),
        .library(name: "Upbit", targets: ["Upbit"]),
        .library(name: "Reports", targets: ["Reports"]),
        .library(name: "Simulator", targets: ["Simulator"]),
        .library(name: "Cluster", targets: ["Cluster"]),
        .executable(name: "ticktape-fuzz", targets: ["TicktapeFuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    ],
    targets: [
        // System libraries (Debian: libsqlite3-dev, zlib1g-dev), wrapped as GRDB wraps SQLite.
        .systemLibrary(name: "CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        // The NATS C client (Debian: libnats-dev), used by the Cluster module only.
        .systemLibrary(name: "CNats", pkgConfig: "libnats", providers: [.apt(["libnats-dev"])]),
        // What Swift does not expose of the CPU: the prefetch hint and the SHA-256 instructions.
        .target(name: "CAccel"),

        // Core: no package dependencies, no NIO.
        // Primitives: SHA-256, the tape's 64-bit hash, seeded randomness, JSON, a lock.
        .target(name: "Primitives", dependencies: ["CAccel"]),
        // The exchange-profile seam: what the tape and the rules know of any exchange's frames.
        .target(name: "Exchange", dependencies: ["Primitives"]),
        // The Upbit profile: message formats, the fact scanner, typed events, subscriptions.
        .target(name: "Upbit", dependencies: ["Primitives", "Exchange"]),
        .target(name: "TapeLog", dependencies: ["CSQLite", "CZlib", "Primitives", "Exchange"]),
        .target(name: "Rules", dependencies: ["CAccel", "Primitives", "Exchange"]),
        .target(name: "Replay", dependencies: ["CAccel", "Primitives", "Exchange", "TapeLog", "Rules"]),
        // Report rendering (text, JSON, HTML with an SVG timeline) of replay and check results.
        .target(name: "Reports", dependencies: ["Replay", "Rules", "TapeLog", "Exchange"]),

        // Network edge.
        .target(
            name: "Wire",
            dependencies: [
                "Primitives", "Exchange", "TapeLog", "Rules", "Replay", "Upbit",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),

        // The simulated Upbit-like exchange and the synthetic market feed behind it.
        .target(
            name: "Simulator",
            dependencies: [
                "Primitives", "Exchange", "Upbit", "Replay", "Wire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),

        // Benchmarks: measurements against baselines in the same run, kept out of the shipping
        // modules; they return figures and never print (the CLI's `bench` commands do).
        .target(
            name: "Bench",
            dependencies: [
                "CZlib", "Primitives", "Exchange", "TapeLog", "Rules", "Replay", "Wire", "Upbit", "Simulator",
            ]
        ),

        // Beyond one machine: publishing tapes to a replicated NATS JetStream stream and pulling
        // them back. Only the CLI imports it; the core never does.
        .target(name: "Cluster", dependencies: ["CNats", "Exchange", "TapeLog"]),

        // The CLI: commands live in a library so tests can parse and run them in-process.
        .target(
            name: "TicktapeCLI",
            dependencies: [
                "Primitives", "Exchange", "TapeLog", "Rules", "Replay", "Reports", "Wire", "Upbit", "Simulator",
                "Bench", "Cluster",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "ticktape", dependencies: ["TicktapeCLI"]),

        // Shared by the test targets: sample tapes, temp dirs, seeded randomness, the CLI runner.
        .target(
            name: "TicktapeTestSupport",
            dependencies: ["Primitives", "Exchange", "TapeLog", "Rules", "Upbit", "Wire"]
        ),

        // Seeded random-input driver over the parsers that take untrusted bytes (`.ci/fuzz`); not
        // part of CI. It imports Wire @testable (the frame path's handlers are internal), so a
        // release build of it needs `-Xswiftc -enable-testing`.
        .executableTarget(
            name: "TicktapeFuzz",
            dependencies: [
                "Primitives", "Exchange", "Upbit", "TapeLog", "Wire", "Simulator", "TicktapeTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ]
        ),

        .testTarget(name: "PrimitivesTests", dependencies: ["Primitives"]),
        .testTarget(
            name: "UpbitTests",
            dependencies: ["Upbit", "Exchange", "Primitives", "Simulator", "TicktapeTestSupport"]
        ),
        .testTarget(
            name: "SimulatorTests",
            dependencies: ["Simulator", "Upbit", "Primitives", "TicktapeTestSupport"]
        ),
        .testTarget(
            name: "TapeLogTests",
            dependencies: ["TapeLog", "Exchange", "Upbit", "Simulator", "TicktapeTestSupport"]
        ),
        .testTarget(
            name: "RulesTests",
            dependencies: ["Rules", "Exchange", "Primitives", "Upbit", "TicktapeTestSupport"]
        ),
        .testTarget(
            name: "ReplayTests",
            dependencies: [
                "Replay", "Reports", "TapeLog", "Rules", "Exchange", "Primitives", "Upbit", "Simulator",
                "TicktapeTestSupport",
            ]
        ),
        .testTarget(
            name: "WireTests",
            dependencies: [
                "Wire", "Simulator", "Primitives", "Exchange", "TapeLog", "Upbit", "TicktapeTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "BenchTests",
            dependencies: ["Bench", "TapeLog", "Wire", "Upbit", "Simulator", "TicktapeTestSupport"]
        ),
        .testTarget(
            name: "ClusterTests",
            dependencies: ["Cluster", "TapeLog", "Wire", "Simulator", "Upbit", "Primitives", "TicktapeTestSupport"]
        ),
        .testTarget(
            name: "CLITests",
            dependencies: [
                "TicktapeCLI", "TapeLog", "TicktapeTestSupport", "Wire", "Simulator", "Primitives", "Upbit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            exclude: ["peers"]  // foreign-client scripts (Python) run by the tests, not compiled
        ),
    ]
)
