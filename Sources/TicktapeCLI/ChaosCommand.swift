import ArgumentParser
import Replay
import TapeLog
import Upbit

/// `ticktape chaos`: inject faults into a clean tape, offline and reproducibly.
struct ChaosCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chaos",
        abstract:
            "Make a reproducible chaos session from a tape: cuts, loss, duplicates, reordering, delays, stale frames.",
        discussion: """
            The same input, seed and faults give the same output. Seed and schedule are stored in the new tape.
            A cut ends the epoch; the next opens after --gap and starts with one SNAPSHOT per stream key, as Upbit does.
            Example: ticktape chaos clean.tape --out chaotic.tape --seed 7 --cut every:20s --dup 0.01 --reorder 5 \\
                       --stale-epoch 3 --drop 0.001
            """
    )

    @Argument(help: "The clean tape.") var tape: String
    @Option(help: "The tape to create (must not exist).") var out: String
    @Option(help: "Seed of every random choice.") var seed: UInt64
    @Option(help: "Cut the connection: every:DURATION or at:DURATION.") var cut: String?
    @Option(help: "Silence then cut: every:DURATION,for:DURATION.") var blackhole: String?
    @Option(help: "How long a cut keeps the connection down, e.g. 500ms.") var gap: String?
    @Option(help: "Probability that an inbound frame is lost.") var drop: String?
    @Option(help: "Probability that a frame is delivered twice (add ,window:K).") var dup: String?
    @Option(help: "Shuffle arrival order within windows of K frames.") var reorder: String?
    @Option(help: "Delay every frame, e.g. 20ms (add ,jitter:10ms).") var delay: String?
    @Option(help: "At each cut, the old epoch's last N frames arrive after the new epoch opened.") var staleEpoch:
        String?
    @Option(help: "Probability that a reconnect snapshot carries the previous state.") var staleSnapshot: String?
    @Option(help: "All faults in one string, e.g. 'cut every:10s; dup 0.005'.") var spec: String?

    func makeSpec() throws -> ChaosSpec {
        var result = ChaosSpec()
        do {
            if let spec { result = try ChaosSpec.parse(spec) }
            let flags: [(String, String?)] = [
                ("cut", cut), ("blackhole", blackhole), ("gap", gap), ("drop", drop), ("dup", dup),
                ("reorder", reorder),
                ("delay", delay), ("stale-epoch", staleEpoch), ("stale-snapshot", staleSnapshot),
            ]
            for (fault, value) in flags {
                if let value { try result.apply(fault: fault, arguments: value) }
            }
        } catch {
            throw ValidationError(error.description)
        }
        return result
    }

    func validate() throws {
        let spec = try makeSpec()
        if spec.isEmpty { throw ValidationError("no fault given (--cut, --dup, --reorder, … or --spec)") }
        if spec.hasServerOnlyFaults {
            throw ValidationError(
                "auth-expire and private-outage need a live connection: use them with simulate --chaos"
            )
        }
    }

    func run() throws {
        let faults = try makeSpec()
        let summary = try cli {
            try ChaosRun.run(
                input: tape,
                output: out,
                spec: faults,
                seed: seed,
                toolVersion: ticktapeVersion,
                profile: UpbitProfile()
            )
        }
        Console.out(
            "chaos: \(summary.framesIn) frames in, \(summary.framesOut) out, \(summary.epochsOut) epochs, "
                + "\(summary.cuts.count) cuts; schedule '\(faults.description)', seed \(seed) → \(out)"
        )
        Console.flush()
    }
}
