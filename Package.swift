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
        // What Swift does not expose of the CPU: the prefetch hint and the SHA-256 instructions.
        .target(name: "CAccel"),

        // Core: no package dependencies, no NIO.
        .target(name: "Upbit", dependencies: ["CAccel"]),
        .target(name: "TapeLog", dependencies: ["CSQLite", "CZlib", "Upbit"], resources: []),
        .target(name: "Rules", dependencies: ["CAccel", "Upbit"]),
        .target(name: "Replay", dependencies: ["CAccel", "TapeLog", "Rules", "Upbit"]),

        // Network edge.
        .target(
            name: "Wire",
            dependencies: [
                "TapeLog", "Rules", "Replay", "Upbit",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),

        // Benchmarks: measurements against baselines in the same run, kept out of the shipping
        // modules; they return figures and never print (the CLI's `bench` commands do).
        .target(name: "Bench", dependencies: ["TapeLog", "Rules", "Replay", "Wire", "Upbit"]),

        // The CLI: commands live in a library so tests can parse and run them in-process.
        .target(
            name: "TicktapeCLI",
            dependencies: [
                "Bench", "TapeLog", "Rules", "Replay", "Wire", "Upbit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "ticktape", dependencies: ["TicktapeCLI"]),

        // Shared by the test targets: sample tapes, temp dirs, seeded randomness, the CLI runner.
        .target(name: "TicktapeTestSupport", dependencies: ["TapeLog", "Upbit"]),

        .testTarget(name: "UpbitTests", dependencies: ["Upbit"]),
        .testTarget(name: "TapeLogTests", dependencies: ["TapeLog", "Upbit", "TicktapeTestSupport"]),
        .testTarget(name: "RulesTests", dependencies: ["Rules", "Upbit"]),
        .testTarget(name: "ReplayTests", dependencies: ["Replay", "TapeLog", "Rules", "Upbit", "TicktapeTestSupport"]),
        .testTarget(
            name: "WireTests",
            dependencies: [
                "Wire", "TapeLog", "Upbit", "TicktapeTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "BenchTests", dependencies: ["Bench", "TapeLog", "Wire", "Upbit", "TicktapeTestSupport"]),
        .testTarget(
            name: "CLITests",
            dependencies: [
                "TicktapeCLI", "TapeLog", "TicktapeTestSupport", "Wire",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            exclude: ["peers"]  // foreign-client scripts (Python) run by the tests, not compiled
        ),
    ]
)
