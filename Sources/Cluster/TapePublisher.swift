import Foundation
import TapeLog

/// Ships a tape, as it is committed, to a replicated JetStream stream, without ever slowing the
/// recording: a thread of its own tails the tape through its own SQLite connection and publishes
/// each committed unit asynchronously.
///
/// The unit is a committed payload block (the stored, compressed bytes with its frames' index):
/// one message per commit window rather than per frame, because one replicated stream acks only
/// about as many messages per second as the busiest feed sends frames. Lifecycle events and the
/// session row are units of their own. `Nats-Msg-Id` is `recorder:session:unit`, fixed by the
/// tape itself (block and event ids only grow), so a unit sent again after an outage is dropped
/// by the stream's duplicate window instead of stored twice.
///
/// The backlog in memory is bounded: at most ``Configuration/maxInFlight`` units await their
/// ack, and a unit is only an id (its bytes are read again from the tape to resend it). What
/// does not fit waits in the tape: after an outage the publisher goes on from the first unit
/// the stream has not acked.
public final class TapePublisher: @unchecked Sendable {
    /// Where and how to publish.
    public struct Configuration: Sendable {
        /// `nats://host:port` of each server (``ClusterNames/servers(_:)``).
        public var servers: [String]
        /// The JetStream stream (subjects `ticktape.STREAM.>`).
        public var stream: String
        /// Names this recorder in subjects and message ids.
        public var recorder: String
        /// Copies of each message the stream keeps (3 for a 3-node cluster).
        public var replicas = 3
        /// Units awaiting their ack at most.
        public var maxInFlight = 256
        /// How long a publish waits for its ack before it counts as failed and is resent.
        public var ackWaitMs: Int64 = 5000
        /// How often the tape is read for new commits (the recorder commits every 50 ms by default).
        public var pollMs = 50
        /// The stream's duplicate window: longer than any outage the publisher should bridge.
        public var duplicateWindowSeconds: Int64 = 3600

        public init(servers: [String], stream: String, recorder: String) {
            self.servers = servers
            self.stream = stream
            self.recorder = recorder
        }
    }

    /// What was published so far.
    public struct Stats: Sendable, Equatable {
        /// Units the stream acked (stored, or recognised as a duplicate of one it has).
        public var acked = 0
        /// Units sent again after a failed or missing ack.
        public var resent = 0
        /// Units not acked when the publisher stopped, those never sent included.
        public var unacked = 0
        /// Blocks and events read from the tape so far.
        public var blocks = 0
        public var events = 0
        /// The last reason a publish failed, if any.
        public var lastFailure: String?
        /// CPU time of the publisher's own thread (reading the tape, encoding, handing messages to
        /// libnats), nanoseconds; libnats's I/O threads are not in it.
        public var threadCPUNanos: Int64 = 0

        /// All zero.
        public init() {}
    }

    /// What the publisher was started with.
    public let configuration: Configuration
    private let path: String
    private let session: String
    private let lock = NSCondition()
    private var stopping = false
    private var drainDeadline: UInt64 = 0
    private var finished = false
    private var current = Stats()

    /// Prepares to publish the tape at `path` (the tape must exist: a recording creates it
    /// before it starts); ``start()`` begins.
    public init(tape path: String, configuration: Configuration) throws(ClusterError) {
        try ClusterNames.check(configuration.stream, what: "stream")
        try ClusterNames.check(configuration.recorder, what: "recorder")
        guard !configuration.servers.isEmpty else { throw ClusterError("no NATS server given", badInput: true) }
        self.path = path
        self.configuration = configuration
        do {
            session = String(try TapeTail(path: path).session.startedNs)
        } catch {
            throw ClusterError("cannot publish \(path): \(error)")
        }
    }

    /// The session's id in message ids: its start time in Unix ns.
    public var sessionID: String { session }

    /// Starts the publishing thread.
    public func start() {
        let thread = Thread { [self] in self.run() }
        thread.name = "ticktape-publish"
        thread.start()
    }

    /// A copy of the counters.
    public var stats: Stats {
        lock.lock()
        defer { lock.unlock() }
        return current
    }

    /// Asks the thread to publish what remains (the tape should be closed by now) and waits for
    /// the acks, at most `drainNanos`; returns the final counters.
    @discardableResult
    public func stop(drainNanos: UInt64) -> Stats {
        lock.lock()
        stopping = true
        drainDeadline = DispatchTime.now().uptimeNanoseconds + drainNanos
        lock.broadcast()
        while !finished { lock.wait() }
        let stats = current
        lock.unlock()
        return stats
    }

    private enum Unit: Hashable, Comparable {
        case session
        case event(Int64)
        case block(Int64)

        var name: String {
            switch self {
            case .session: "s"
            case .event(let id): "e\(id)"
            case .block(let id): "b\(id)"
            }
        }

        init?(name: String) {
            if name == "s" {
                self = .session
            } else if name.hasPrefix("e"), let id = Int64(name.dropFirst()) {
                self = .event(id)
            } else if name.hasPrefix("b"), let id = Int64(name.dropFirst()) {
                self = .block(id)
            } else {
                return nil
            }
        }
    }

    private func update(_ body: (inout Stats) -> Void) {
        lock.lock()
        body(&current)
        lock.unlock()
    }

    private func run() {
        defer {
            lock.lock()
            finished = true
            lock.broadcast()
            lock.unlock()
        }
        let client: NATSClient
        do {
            client = try NATSClient(
                servers: configuration.servers,
                name: "ticktape-\(configuration.recorder)",
                maxPending: configuration.maxInFlight * 2
            )
        } catch {
            update { $0.lastFailure = error.description }
            return
        }
        defer { client.close() }
        var tail: TapeTail?
        var inFlight: [Unit: UInt64] = [:]
        var retry: Set<Unit> = []
        var sessionSent = false
        var lastEvent: Int64 = 0
        var lastBlock: Int64 = 0
        var streamReady = false
        var notBefore: UInt64 = 0
        var backoffMs: UInt64 = 250
        let subject = ClusterNames.subject(stream: configuration.stream, recorder: configuration.recorder)
        let lostAckNs = UInt64(configuration.ackWaitMs + 2000) * 1_000_000

        while true {
            let now = DispatchTime.now().uptimeNanoseconds
            let (acked, failed) = client.inbox.take()
            for name in acked {
                guard let unit = Unit(name: name), inFlight.removeValue(forKey: unit) != nil else { continue }
                backoffMs = 250
                update { $0.acked += 1 }
            }
            for (name, reason) in failed {
                guard let unit = Unit(name: name), inFlight.removeValue(forKey: unit) != nil else { continue }
                retry.insert(unit)
                update { $0.lastFailure = reason }
            }
            for (unit, sent) in inFlight where now &- sent > lostAckNs {
                inFlight.removeValue(forKey: unit)
                retry.insert(unit)
            }
            if !failed.isEmpty {
                notBefore = now + backoffMs * 1_000_000
                backoffMs = min(backoffMs * 2, 2000)
            }

            lock.lock()
            let stop = stopping
            let deadline = drainDeadline
            lock.unlock()

            if tail == nil { tail = try? TapeTail(path: path) }
            if stop, sessionSent, inFlight.isEmpty, retry.isEmpty, let t = tail,
                (try? t.blockIDs(after: lastBlock, limit: 1))?.isEmpty == true,
                (try? t.events(after: lastEvent, limit: 1))?.isEmpty == true
            {
                break
            }
            if stop, now >= deadline { break }

            if client.isConnected, now >= notBefore, let tail {
                if !streamReady {
                    if let failure = client.ensureStream(
                        name: configuration.stream,
                        subjects: ["ticktape.\(configuration.stream).>"],
                        replicas: configuration.replicas,
                        duplicateWindowSeconds: configuration.duplicateWindowSeconds
                    ) {
                        update { $0.lastFailure = "stream \(configuration.stream): \(failure)" }
                        notBefore = now + backoffMs * 1_000_000
                        backoffMs = min(backoffMs * 2, 2000)
                    } else {
                        streamReady = true
                    }
                }
                if streamReady {
                    var units: [(Unit, Bool)] = retry.sorted().map { ($0, true) }
                    var room = configuration.maxInFlight - inFlight.count - units.count
                    if !sessionSent && !retry.contains(.session) && inFlight[.session] == nil {
                        units.append((.session, false))
                        sessionSent = true
                        room -= 1
                    }
                    if room > 0, let events = try? tail.events(after: lastEvent, limit: room) {
                        for (id, _) in events { units.append((.event(id), false)) }
                        lastEvent = events.last?.id ?? lastEvent
                        room -= events.count
                        update { $0.events += events.count }
                    }
                    if room > 0, let blocks = try? tail.blockIDs(after: lastBlock, limit: room) {
                        for id in blocks { units.append((.block(id), false)) }
                        lastBlock = blocks.last ?? lastBlock
                        update { $0.blocks += blocks.count }
                    }
                    for (index, (unit, again)) in units.enumerated() {
                        if inFlight.count >= configuration.maxInFlight {
                            for (rest, _) in units[index...] { retry.insert(rest) }
                            break
                        }
                        guard let message = try? self.message(unit, tail: tail) else {
                            // The tape cannot give it back now (a transient read error): later.
                            retry.insert(unit)
                            continue
                        }
                        let failure = client.publish(
                            subject: subject,
                            headers: message.headers,
                            msgID: "\(configuration.recorder):\(session):\(unit.name)",
                            data: message.data,
                            ackWaitMs: configuration.ackWaitMs
                        )
                        if let failure {
                            update { $0.lastFailure = failure }
                            for (rest, _) in units[index...] { retry.insert(rest) }
                            notBefore = now + backoffMs * 1_000_000
                            backoffMs = min(backoffMs * 2, 2000)
                            break
                        }
                        retry.remove(unit)
                        inFlight[unit] = now
                        if again { update { $0.resent += 1 } }
                    }
                }
            }

            let cpu = Self.threadCPUNanos()
            update { $0.threadCPUNanos = cpu }
            lock.lock()
            if !stopping { _ = lock.wait(until: Date().addingTimeInterval(Double(configuration.pollMs) / 1000)) }
            lock.unlock()
            if stop { Thread.sleep(forTimeInterval: Double(configuration.pollMs) / 1000) }
        }
        // Not acked: what is in flight or waiting to be resent, and what was never read from the
        // tape (the stream was out of reach until the end).
        var never = sessionSent ? 0 : 1
        if let tail {
            never += (try? tail.blockIDs(after: lastBlock, limit: Int.max).count) ?? 0
            never += (try? tail.events(after: lastEvent, limit: Int.max).count) ?? 0
        }
        let unacked = inFlight.count + retry.count + never
        update { $0.unacked = unacked }
    }

    /// CPU time of the calling thread.
    private static func threadCPUNanos() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }

    /// The headers and body of `unit`, read from the tape.
    private func message(_ unit: Unit, tail: TapeTail) throws -> (headers: [(String, String)], data: [UInt8]) {
        var headers: [(String, String)] = [
            (unitHeader, unit.name), ("Tt-Recorder", configuration.recorder), ("Tt-Session", session),
        ]
        switch unit {
        case .session:
            headers.append(("Tt-Kind", "session"))
            return (headers, Array(JSONLCodec.line(tail.session).utf8))
        case .event(let id):
            guard let (_, event) = try tail.events(after: id - 1, limit: 1).first else {
                throw ClusterError("event \(id) is missing")
            }
            headers += [
                ("Tt-Kind", "event"), ("Tt-Event", String(id)), ("Tt-Epoch", String(event.epoch)),
                ("Tt-Seq", String(event.afterSeq)),
            ]
            return (headers, Array(JSONLCodec.line(.event(event)).utf8))
        case .block(let id):
            let block = try tail.block(id)
            headers += [("Tt-Kind", "block"), ("Tt-Block", String(id)), ("Tt-Frames", String(block.frames.count))]
            if let first = block.frames.first?.record, let last = block.frames.last?.record {
                headers += [
                    ("Tt-Epoch", String(first.epoch)), ("Tt-Seq", String(first.seq)),
                    ("Tt-Last-Epoch", String(last.epoch)), ("Tt-Last-Seq", String(last.seq)),
                    ("Tt-Recv-Ns", String(first.recvNs)), ("Tt-Mono-Ns", String(first.monoNs)),
                    ("Tt-Direction", first.direction.name), ("Tt-Opcode", first.opcode.name),
                ]
            }
            return (headers, block.encoded())
        }
    }
}
