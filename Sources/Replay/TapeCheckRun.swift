import Rules
import TapeLog
import Upbit

/// `ticktape check` for one tape file: recording invariants (I1–I4, TapeLog's verifier), then
/// the tape in arrival order through rules, fan-out and the oracle (C1–C6).
public enum TapeCheckRun {
    /// Checks the tape at `path`. A file that is not a readable tape gives an `unknown` check
    /// whose reason says why (the caller maps it to exit 2); nothing throws for bad input.
    public static func check(
        path: String,
        name: String? = nil,
        replay: ReplayOptions,
        options: CheckOptions = CheckOptions(),
        progress: ((Int) -> Void)? = nil
    ) -> TapeCheck {
        let label = name ?? path
        do {
            let reader = try TapeReader(path: path)
            let chaos = ChaosSessionInfo.parse(reader.session.chaos)
            let run = RunInfo(seed: chaos?.seed, chaos: chaos?.schedule, replay: replay, check: options)
            let verify = try TapeVerifier.verify(reader)
            var checker = try TapeChecker(tape: label, run: run)
            let cursor = try reader.arrivals(payloads: false)
            var count = 0
            while let entry = try cursor.next() {
                checker.feed(TapeReplay.input(for: entry))
                count += 1
                if let progress, count & 0xFFFF == 0 { progress(count) }
            }
            return checker.finish(integrity: IntegrityResults(problems: verify.problems))
        } catch {
            return TapeCheck.unreadable(tape: label, reason: "\(error)", run: RunInfo(replay: replay, check: options))
        }
    }
}

extension ChaosSessionInfo {
    /// Reads the JSON stored in a session row's `chaos` column; nil when absent or not ours.
    public static func parse(_ json: String?) -> ChaosSessionInfo? {
        guard let json, let value = try? JSONValue.parse(Array(json.utf8)) else { return nil }
        guard let seed = value["seed"]?.uint64Value, let schedule = value["schedule"]?.stringValue else { return nil }
        return ChaosSessionInfo(
            seed: seed,
            schedule: schedule,
            source: value["source"]?.stringValue ?? "",
            version: value["version"]?.stringValue ?? ""
        )
    }
}
