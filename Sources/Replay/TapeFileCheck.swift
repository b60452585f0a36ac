import Dispatch
import Exchange
import Primitives
import Rules
import TapeLog

/// `ticktape check` for one tape file: recording invariants (I1–I4, TapeLog's verifier), then
/// the tape in arrival order through rules, fan-out and the oracle (C1–C6).
public enum TapeFileCheck {
    /// Checks the tape at `path`. A file that is not a readable tape gives an `unknown` check
    /// whose reason says why (the caller maps it to exit 2); nothing throws for bad input.
    /// `verify: false` skips the recording invariants (I1–I4 are reported as not checked): for
    /// `bench check`, which times decode + rules + fan-out + oracle on its own. `provePayloads:
    /// false` (`check --quick`) verifies I1–I4 but inflates no block: the report says so.
    /// `profile` reads the tape's subscription (what `silent_stream` counts as covered) unless
    /// `options` already says; without either, every stream that had data counts as covered.
    public static func check(
        path: String,
        name: String? = nil,
        replay: ReplayOptions,
        options: CheckOptions = CheckOptions(),
        profile: (any ExchangeProfile)? = nil,
        verify: Bool = true,
        provePayloads: Bool = true,
        progress: ((Int) -> Void)? = nil
    ) -> TapeCheckResult {
        check(
            path: path,
            name: name,
            replay: replay,
            options: options,
            profile: profile,
            verify: verify,
            provePayloads: provePayloads,
            progress: progress
        ) { (label, run) throws(ReplayError) in try CheckPipeline(tape: label, run: run) }
    }

    /// `check --deliveries`: the same, judging a user's client from its deliveries log (see
    /// ``ClientCheckPipeline``) instead of ticktape's own fan-out.
    public static func check(
        path: String,
        name: String? = nil,
        client: ClientCheckInput,
        replay: ReplayOptions = ReplayOptions(),
        options: CheckOptions = CheckOptions(),
        provePayloads: Bool = true,
        progress: ((Int) -> Void)? = nil
    ) -> TapeCheckResult {
        check(
            path: path,
            name: name,
            replay: replay,
            options: options,
            profile: client.profile,
            verify: true,
            provePayloads: provePayloads,
            progress: progress
        ) { (label, run) throws(ReplayError) in try ClientCheckPipeline(tape: label, run: run, client: client) }
    }

    private static func check<Checker: TapeChecker>(
        path: String,
        name: String?,
        replay: ReplayOptions,
        options: CheckOptions,
        profile: (any ExchangeProfile)?,
        verify: Bool,
        provePayloads: Bool,
        progress: ((Int) -> Void)?,
        make: (String, RunInfo) throws(ReplayError) -> Checker
    ) -> TapeCheckResult {
        let label = name ?? path
        func unreadable(_ error: any Error) -> TapeCheckResult {
            TapeCheckResult.unreadable(tape: label, reason: "\(error)", run: RunInfo(replay: replay, check: options))
        }
        let chaos: ChaosSessionInfo?
        let relayTape: Bool
        var replay = replay
        var options = options
        do {
            let reader = try TapeReader(path: path)
            chaos = ChaosSessionInfo.parse(reader.session.chaos)
            relayTape = reader.isRelayTape
            // Tables sized once for the tape's windows (sizing only; no verdict depends on it, and
            // a damaged tape is reported by the verifier and the reader, not by this estimate).
            replay = replay.sized(for: reader)
            if options.subscription == nil, let profile, let request = reader.session.subscription,
                let streams = profile.requestedStreams(in: Array(request.utf8))
            {
                options.subscription = SubscriptionCoverage(streams)
            }
            if options.expectedWindowKeys == 0 {
                // The same window as R3's (the default) needs no second round of seeks.
                options.expectedWindowKeys =
                    options.dedupWindowMs == replay.rules.dedupWindowMs
                    ? replay.rules.expectedWindowKeys
                    : (try? reader.windowFrameEstimate(windowMs: options.dedupWindowMs)) ?? 0
            }
        } catch {
            return unreadable(error)
        }
        // Three threads over one file, each with its own connection: the verifier (integrity check
        // and seq scan), the reader (ReadAhead) and this one (rules, fan-out, oracle). Errors are
        // reported in the order a sequential check meets them: verify first, then the options,
        // then reading.
        let verification: Background<VerifyReport, TapeError>? =
            verify
            ? Background { () throws(TapeError) in
                try TapeVerifier.verify(TapeReader(path: path), payloads: provePayloads)
            } : nil
        // A relay tape's live consumers, reproduced from their journal on a connection of their
        // own (L1); nil for any other tape.
        let relay: Background<RelayReproduction?, TapeError>? =
            relayTape ? Background { () throws(TapeError) in try RelayReproduction.run(TapeReader(path: path)) } : nil
        let run = RunInfo(seed: chaos?.seed, chaos: chaos?.schedule, replay: replay, check: options)
        var checker: Checker
        do {
            checker = try make(label, run)
        } catch {
            if case .failure(let verifyError) = verification?.result() { return unreadable(verifyError) }
            return unreadable(error)
        }
        var count = 0
        let readError: TapeError?
        do {
            _ = try ReadAhead.forEachBatch(path: path) { batch in
                for i in batch.indices {
                    if i + ReadAhead.lookahead < batch.count { checker.prefetch(batch[i + ReadAhead.lookahead]) }
                    checker.feed(batch[i])
                    count += 1
                    if let progress, count & 0xFFFF == 0 { progress(count) }
                }
            }
            readError = nil
        } catch {
            readError = error
        }
        switch verification?.result() {
        case .failure(let error): return unreadable(error)
        case .success(let report):
            if let readError { return unreadable(readError) }
            var result = checker.finish(
                integrity: IntegrityResults(problems: report.problems, payloads: report.payloads, notes: report.notes)
            )
            switch relay?.result() {
            case .success(let reproduction?): result.add(liveDigest: reproduction)
            case .success(nil), nil: break
            case .failure(let error): return unreadable(error)
            }
            return result
        case nil:
            if let readError { return unreadable(readError) }
            var result = checker.finish(integrity: .skipped("verification was switched off (verify: false)"))
            if case .success(let reproduction?) = relay?.result() { result.add(liveDigest: reproduction) }
            return result
        }
    }
}

/// Runs a throwing computation on a thread of its own; ``result()`` waits for it.
final class Background<Value: Sendable, Failure: Error>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    /// Written once by the worker before `done` is signalled, read after waiting for it.
    private var outcome: Result<Value, Failure>?
    /// Touched only by the waiting thread.
    private var waited = false

    init(_ work: @escaping @Sendable () throws(Failure) -> Value) {
        DispatchQueue(label: "ticktape.background").async {
            let value: Result<Value, Failure>
            do throws(Failure) {
                value = .success(try work())
            } catch {
                value = .failure(error)
            }
            self.outcome = value
            self.done.signal()
        }
    }

    /// Waits for the computation (once; later calls return the same result).
    func result() -> Result<Value, Failure> {
        if !waited {
            done.wait()
            waited = true
        }
        return outcome!
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
