import ArgumentParser
import Foundation
import TapeLog
import Upbit

/// `ticktape merge`: independent recordings of one subscription into one session.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge independent recordings of the same subscription into one gap-free session.",
        discussion: """
            The merged tape holds every inbound data frame of the sources once per idempotency key, in \
            event order, each with its receive time and its provenance (source, epoch, seq). Every gap of \
            every source (before it connected, each reconnect, each recorded loss, after it stopped) is \
            reported with the frames the other sources gave inside it and whether another source was \
            connected throughout (covered). The same key with a different payload in two sources is a \
            conflict: the first copy is kept, the other reported, and merge exits 1. Outbound and control \
            frames stay with their own recordings. `ticktape inspect` shows the coverage of a merged tape.
            Example: ticktape merge session.tape a.tape --out merged.tape
            """
    )

    @Argument(help: "The recordings to merge.") var tapes: [String]
    @Option(help: "The merged tape to create (must not exist).") var out: String
    @Flag(help: "Print the merge report as JSON.") var json = false

    func validate() throws {
        guard !tapes.isEmpty else { throw ValidationError("give at least one tape to merge") }
        if tapes.contains(out) { throw ValidationError("--out \(out) is one of the sources") }
    }

    func run() throws {
        let report: MergeReport
        do {
            report = try TapeMerger.merge(tapes, out: out, toolVersion: ticktapeVersion, profile: UpbitProfile())
        } catch {
            if case .exists = error {
            } else if FileManager.default.fileExists(atPath: out) {
                try? FileManager.default.removeItem(atPath: out)
            }
            throw CLIError.tape(error)
        }
        if json {
            Console.out(try cli { try JSONOutput.encode(report) })
        } else {
            Console.out("merged \(report.sources.count) tapes into \(out): \(report.frames) frames")
            MergeText.print(report)
        }
        Console.flush()
        if !report.conflicts.isEmpty {
            throw CLIError(
                .checkFailed,
                "\(report.conflicts.count) conflicts: the same key with different payloads (first: key \(report.conflicts[0].key))"
            )
        }
    }
}

/// The merge report as text, for `merge` and `inspect`.
enum MergeText {
    static func print(_ r: MergeReport) {
        Console.out("sources")
        for s in r.sources {
            Console.out(
                "  \(s.source): \(s.path) (\(s.epochs) epochs, \(s.frames) frames read, \(s.kept) kept)"
            )
        }
        Console.out("merged    \(r.frames) frames, \(r.duplicates) duplicates dropped, \(r.conflicts.count) conflicts")
        Console.out("coverage  \(r.gaps.count) gaps, \(r.uncoveredGaps) not covered")
        for g in r.gaps {
            let place = g.epoch == 0 ? "before epoch 1" : "after (\(g.epoch), \(g.afterSeq))"
            let missing = g.missing.map { ", \($0) lost" } ?? ""
            Console.out(
                "  source \(g.source) \(g.kind.rawValue) \(place): \(Format.utc(g.fromNs)) … \(Format.utc(g.toNs)) "
                    + "(\(Format.seconds(g.toNs &- g.fromNs))\(missing)): "
                    + "\(g.covered ? "covered" : "NOT covered"), \(g.frames) frames from other sources"
            )
        }
        for c in r.conflicts {
            Console.out(
                "  conflict key \(c.key): kept source \(c.kept.source) (\(c.kept.epoch), \(c.kept.seq)), "
                    + "differs in source \(c.other.source) (\(c.other.epoch), \(c.other.seq))"
            )
        }
    }
}
