import Foundation
import Testing

/// The cluster stays at the edge: only the CLI imports the Cluster module or libnats, so the
/// tape, the rules, the replay and the checks build and run with no NATS anywhere.
@Suite struct ModuleBoundaryTests {
    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Sources").standardized

    @Test func onlyTheCLIImportsTheClusterModule() throws {
        let enumerator = try #require(FileManager.default.enumerator(atPath: Self.sources.path))
        var importers: Set<String> = []
        while let relative = enumerator.nextObject() as? String {
            guard relative.hasSuffix(".swift") else { continue }
            let text = try String(contentsOf: Self.sources.appendingPathComponent(relative), encoding: .utf8)
            let imports = text.split(separator: "\n").contains { line in
                line.hasPrefix("import Cluster") || line.hasPrefix("import CNats")
                    || line.hasPrefix("@testable import Cluster")
            }
            if imports { importers.insert(String(relative.split(separator: "/").first ?? "")) }
        }
        #expect(importers == ["Cluster", "TicktapeCLI"], "\(importers.sorted())")
    }

    @Test func theCoreTargetsDependOnNoClusterTarget() throws {
        let manifest = try String(
            contentsOf: Self.sources.deletingLastPathComponent().appendingPathComponent("Package.swift"),
            encoding: .utf8
        )
        for core in ["Primitives", "Exchange", "TapeLog", "Rules", "Replay", "Reports"] {
            let declaration = try #require(manifest.range(of: ".target(name: \"\(core)\""), "\(core)")
            let line = manifest[declaration.lowerBound...].prefix { $0 != "\n" }
            #expect(!line.contains("Cluster") && !line.contains("CNats"), "\(core): \(line)")
        }
    }
}
