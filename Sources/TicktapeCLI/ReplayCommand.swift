import ArgumentParser
import Foundation
import Replay
import Reports
import Rules
import TapeLog

/// `ticktape replay`: the tape through the reconcile rules and fan-out, offline.
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay a tape offline through the reconcile rules and fan-out consumers on a virtual clock.",
        discussion: """
            Consumers: name=N,types=T1|T2 or *,codes=C1|C2 or *,capacity=K,policy=drop-oldest|drop-newest|coalesce|block,service=DURATION.
            The same tape and options give byte-identical JSON; rule counts do not depend on --speed.
            --as-recorded (a tape `ticktape relay` recorded): the relay's own consumers instead, each reproduced \
            from the tape (its opens, requests, closes and how far it had taken its queue) and compared with what \
            it got live at every checkpoint; exit 1 when one differs.
            Example: ticktape replay session.tape --speed 10 --json \\
                       --consumer 'name=gui,types=ticker|orderbook,codes=*,capacity=64,policy=coalesce,service=200ms' \\
                       --consumer 'name=algo,types=trade,capacity=10000,policy=block'
            """
    )

    @Argument(help: "The tape file.") var tape: String
    @Option(help: "Pace relative to the recording: a factor (1, 10, 0.5) or max.") var speed = "max"
    @Option(help: "A consumer spec; repeat for several.") var consumer: [String] = []
    @Flag(help: "Print JSON instead of text.") var json = false
    @Flag(help: "Reproduce a relay tape's live consumers exactly, and compare (no --consumer or --speed).")
    var asRecorded = false

    func options() throws -> ReplayOptions {
        guard let pace = ReplaySpeed(speed) else {
            throw ValidationError("--speed must be a positive number or max, got '\(speed)'")
        }
        var specs: [ConsumerSpec] = []
        for text in consumer {
            do { specs.append(try ConsumerSpec.parse(text)) } catch {
                throw ValidationError("--consumer '\(text)': \(error)")
            }
        }
        return ReplayOptions(speed: pace, consumers: specs)
    }

    func validate() throws {
        _ = try options()
        if asRecorded, !consumer.isEmpty || speed != "max" {
            throw ValidationError("--as-recorded replays the relay's own consumers: no --consumer or --speed")
        }
    }

    func run() throws {
        if asRecorded { return try runAsRecorded() }
        let options = try self.options()
        let progress = Progress(label: "replay", total: Progress.frames(in: [tape]))
        let result = try cli { try TapeReplay.run(path: tape, options: options, progress: progress.update) }
        progress.finish()
        Console.out(json ? result.json() : result.text())
        Console.flush()
    }

    /// `--as-recorded`: the relay's consumers, reproduced and compared.
    private func runAsRecorded() throws {
        let reproduction = try cli { () throws(TapeError) -> RelayReproduction? in
            try RelayReproduction.run(TapeReader(path: tape))
        }
        guard let reproduction else {
            throw CLIError.badInput(
                "\(tape) was not recorded by `ticktape relay`: it has no relay consumers to reproduce"
            )
        }
        Console.out(json ? reproduction.json() : reproduction.text())
        Console.flush()
        if !reproduction.holds {
            throw CLIError(.checkFailed, "the tape does not reproduce what its consumers got live")
        }
    }
}
