import Exchange
import Primitives
import TapeLog

/// Runs a ``ChaosTransform`` from one tape into a new one and records what was done in the
/// new tape's session row: seed, schedule, source and ticktape version, so the run can be
/// reproduced.
public enum ChaosRun {
    /// What one run did.
    public struct Summary: Sendable {
        public var framesIn: Int
        public var framesOut: Int
        public var epochsOut: UInt32
        public var cuts: [Int64]
    }

    public static func run(
        input: String,
        output: String,
        spec: ChaosSpec,
        seed: UInt64,
        toolVersion: String,
        profile: any ExchangeProfile
    ) throws(TapeError) -> Summary {
        let reader = try TapeReader(path: input)
        var session = reader.session
        let chaos = ChaosSessionInfo(seed: seed, schedule: spec.description, source: session.url, version: toolVersion)
        session.chaos = chaos.json
        session.toolVersion = toolVersion
        var transform = ChaosTransform(
            spec: spec,
            seed: seed,
            subscription: session.subscription.map { Array($0.utf8) }
        )
        let writer = try TapeWriter(path: output, session: session, profile: profile)
        var framesIn = 0
        var framesOut = 0
        var epochs: UInt32 = 0
        let sink: (TapeEntry) throws(TapeError) -> Void = { entry throws(TapeError) in
            switch entry {
            case .frame(let frame):
                try writer.append(frame.record)
                framesOut += 1
            case .event(let event):
                if event.kind == .connect { epochs = event.epoch }
                try writer.record(event)
            }
        }
        do {
            let cursor = try reader.arrivals()
            while let entry = try cursor.next() {
                if case .frame = entry { framesIn += 1 }
                try transform.feed(entry) { (e: TapeEntry) throws in try sink(e) }
            }
            try transform.finish { (e: TapeEntry) throws in try sink(e) }
            try writer.close()
        } catch let error as TapeError {
            _ = try? writer.close()
            throw error
        } catch {
            _ = try? writer.close()
            throw TapeError.io(path: output, reason: "\(error)")
        }
        return Summary(framesIn: framesIn, framesOut: framesOut, epochsOut: epochs, cuts: transform.cuts)
    }
}

/// The chaos metadata stored as JSON in the session row.
public struct ChaosSessionInfo: Sendable, Hashable {
    public var seed: UInt64
    public var schedule: String
    public var source: String
    public var version: String

    public var json: String {
        let quoted = JSONText.quoted
        return
            #"{"seed":\#(seed),"schedule":\#(quoted(schedule)),"source":\#(quoted(source)),"version":\#(quoted(version))}"#
    }
}
