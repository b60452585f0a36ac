import CNats
import Exchange
import Foundation
import TapeLog

/// Reads the recordings a stream holds and materialises them as tapes.
public enum StreamPull {
    /// One recorder's session as the stream holds it: its units by id, whatever order (and
    /// however many times) they were stored in.
    public struct Recording: Sendable {
        /// The recorder's name and the session's id (its start in Unix ns).
        public var recorder: String
        public var session: String
        /// The session row, once its message was read.
        public var info: SessionInfo?
        /// Lifecycle events and payload blocks by their id in the recorder's tape.
        public var events: [Int64: LifecycleRecord] = [:]
        public var blocks: [Int64: ShippedBlock] = [:]
        /// Messages read for it, and those whose unit was already read (0 when dedup held).
        public var messages = 0
        public var repeats = 0

        /// "recorder:session".
        public var name: String { "\(recorder):\(session)" }
    }

    /// Every recording in `stream` (only `recorder`'s when given), read with an ordered consumer
    /// up to the stream's end at the time of the call.
    public static func fetch(
        servers: [String],
        stream: String,
        recorder: String?,
        timeoutMs: Int64 = 10_000
    ) throws(ClusterError) -> [Recording] {
        try ClusterNames.check(stream, what: "stream")
        if let recorder { try ClusterNames.check(recorder, what: "recorder") }
        // Each API request waits at most 5 s: one lost in an election is then retried, not waited out.
        let client = try NATSClient(
            servers: servers,
            name: "ticktape-pull",
            maxPending: 1,
            apiWaitMs: min(timeoutMs, 5000)
        )
        defer { client.close() }
        // Connection attempts go on in the background: wait for one, within the timeout.
        let start = DispatchTime.now().uptimeNanoseconds
        while !client.isConnected {
            guard DispatchTime.now().uptimeNanoseconds - start < UInt64(timeoutMs) * 1_000_000 else {
                throw ClusterError("no NATS server answered at \(servers.joined(separator: ","))")
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        guard let js = client.jetStream else { throw ClusterError("no JetStream context") }
        // Right after an election (a node restarted, the cluster back from an outage) the API can
        // time out or have no leader for a few seconds: try again until the timeout.
        let deadline = start + UInt64(timeoutMs) * 1_000_000
        func again() -> Bool {
            guard DispatchTime.now().uptimeNanoseconds < deadline else { return false }
            Thread.sleep(forTimeInterval: 0.25)
            return true
        }
        var code = jsErrCode(0)
        var messages: UInt64 = 0
        while true {
            var info: UnsafeMutablePointer<jsStreamInfo>?
            code = jsErrCode(0)
            let status = js_GetStreamInfo(&info, js, stream, nil, &code)
            if status == NATS_OK, let info {
                messages = info.pointee.State.Msgs
                jsStreamInfo_Destroy(info)
                break
            }
            if let info { jsStreamInfo_Destroy(info) }
            if code == JSStreamNotFoundErr { throw ClusterError("stream \(stream) does not exist", badInput: true) }
            guard again() else {
                throw ClusterError("stream \(stream): \(NATSClient.text(status)) (JetStream error \(code.rawValue))")
            }
        }
        if messages == 0 { return [] }
        let subject = recorder.map { ClusterNames.subject(stream: stream, recorder: $0) } ?? "ticktape.\(stream).>"
        var sub: OpaquePointer?
        while true {
            var options = jsSubOptions()
            jsSubOptions_Init(&options)
            options.Ordered = true
            code = jsErrCode(0)
            let subscribed = stream.withCString { name in
                options.Stream = name
                return js_SubscribeSync(&sub, js, subject, nil, &options, &code)
            }
            if subscribed == NATS_OK, sub != nil { break }
            if let failed = sub { natsSubscription_Destroy(failed) }
            sub = nil
            guard again() else {
                throw ClusterError(
                    "cannot read \(subject): \(NATSClient.text(subscribed)) (JetStream error \(code.rawValue))"
                )
            }
        }
        guard let sub else { throw ClusterError("cannot read \(subject)") }
        defer {
            natsSubscription_Unsubscribe(sub)
            natsSubscription_Destroy(sub)
        }
        var recordings: [String: Recording] = [:]
        var order: [String] = []
        while true {
            var msg: OpaquePointer?
            let next = natsSubscription_NextMsg(&msg, sub, timeoutMs)
            if next == NATS_TIMEOUT {
                // Nothing (more) for this subject within the timeout: the stream ends here.
                break
            }
            guard next == NATS_OK, let msg else {
                throw ClusterError("reading \(subject): \(NATSClient.text(next))")
            }
            defer { natsMsg_Destroy(msg) }
            var meta: UnsafeMutablePointer<jsMsgMetaData>?
            var pending: UInt64 = 0
            if natsMsg_GetMetaData(&meta, msg) == NATS_OK, let meta {
                pending = meta.pointee.NumPending
                jsMsgMetaData_Destroy(meta)
            }
            if let unit = try decode(msg) {
                let key = "\(unit.recorder):\(unit.session)"
                if recordings[key] == nil {
                    recordings[key] = Recording(recorder: unit.recorder, session: unit.session)
                    order.append(key)
                }
                recordings[key]?.add(unit.content)
            }
            if pending == 0 { break }
        }
        return order.compactMap { recordings[$0] }
    }

    enum Content {
        case session(SessionInfo)
        case event(Int64, LifecycleRecord)
        case block(ShippedBlock)
    }

    private static func header(_ msg: OpaquePointer, _ key: String) -> String? {
        var value: UnsafePointer<CChar>?
        guard natsMsgHeader_Get(msg, key, &value) == NATS_OK, let value else { return nil }
        return String(cString: value)
    }

    /// One message's unit; nil for a message that is not ticktape's.
    private static func decode(
        _ msg: OpaquePointer
    ) throws(ClusterError) -> (
        recorder: String, session: String, content: Content
    )? {
        guard let recorder = header(msg, "Tt-Recorder"), let session = header(msg, "Tt-Session"),
            let kind = header(msg, "Tt-Kind")
        else { return nil }
        let count = Int(natsMsg_GetDataLength(msg))
        let data: [UInt8] =
            natsMsg_GetData(msg).map { pointer in
                Array(UnsafeRawBufferPointer(start: UnsafeRawPointer(pointer), count: count))
            } ?? []
        let place = "\(recorder):\(session) \(kind)"
        switch kind {
        case "session":
            guard case .session(let info)? = try? JSONLCodec.decode(data, line: 1) else {
                throw ClusterError("\(place): not a session line")
            }
            return (recorder, session, .session(info))
        case "event":
            guard let id = header(msg, "Tt-Event").flatMap(Int64.init),
                case .entry(.event(let event))? = try? JSONLCodec.decode(data, line: 1)
            else { throw ClusterError("\(place): not an event") }
            return (recorder, session, .event(id, event))
        case "block":
            guard let block = ShippedBlock.decode(data) else { throw ClusterError("\(place): not a block") }
            return (recorder, session, .block(block))
        default:
            return nil
        }
    }

    /// Writes `recording` as a tape at `path`: the session, its events and its frames in session
    /// order, each frame's payload proven against its block's checksum. Throws when the stream
    /// lacks a unit (a block or event id missing in the sequence).
    public static func write(
        _ recording: Recording,
        to path: String,
        profile: any ExchangeProfile
    ) throws(ClusterError)
        -> Int
    {
        guard let info = recording.info else {
            throw ClusterError("\(recording.name): the stream lacks its session message")
        }
        let blockIDs = recording.blocks.keys.sorted()
        if let last = blockIDs.last, blockIDs.count != Int(last) {
            let missing = (1...last).first { recording.blocks[$0] == nil } ?? 0
            throw ClusterError("\(recording.name): the stream lacks block \(missing) of \(last)")
        }
        let eventIDs = recording.events.keys.sorted()
        if let last = eventIDs.last, eventIDs.count != Int(last) {
            let missing = (1...last).first { recording.events[$0] == nil } ?? 0
            throw ClusterError("\(recording.name): the stream lacks event \(missing) of \(last)")
        }
        var frames: [FrameRecord] = []
        do {
            for id in blockIDs {
                frames += try recording.blocks[id]?.records(source: "\(recording.name) block \(id)") ?? []
            }
        } catch {
            throw ClusterError("\(error)")
        }
        frames.sort { ($0.epoch, $0.seq) < ($1.epoch, $1.seq) }
        let events = eventIDs.compactMap { recording.events[$0] }
        // Session order, as a tape reader gives it: an event at (e, s) after frame (e, s).
        var entries: [TapeEntry] = []
        entries.reserveCapacity(frames.count + events.count)
        var e = 0
        for frame in frames {
            while e < events.count,
                (UInt64(events[e].epoch), events[e].afterSeq + 1) <= (UInt64(frame.epoch), frame.seq)
            {
                entries.append(.event(events[e]))
                e += 1
            }
            entries.append(.frame(TapeFrame(record: frame, facts: FrameFacts())))
        }
        while e < events.count {
            entries.append(.event(events[e]))
            e += 1
        }
        do {
            let writer = try TapeWriter(path: path, session: info, profile: profile)
            do {
                for entry in entries {
                    switch entry {
                    case .frame(let f): try writer.append(f.record)
                    case .event(let event): try writer.record(event)
                    }
                }
                try writer.close()
            } catch {
                _ = try? writer.close()
                try? FileManager.default.removeItem(atPath: path)
                throw error
            }
        } catch {
            throw ClusterError("\(error)", badInput: (error as? TapeError)?.isBadInput ?? false)
        }
        return frames.count
    }
}

extension StreamPull.Recording {
    mutating func add(_ content: StreamPull.Content) {
        messages += 1
        switch content {
        case .session(let info):
            if self.info != nil { repeats += 1 }
            self.info = info
        case .event(let id, let event):
            if events.updateValue(event, forKey: id) != nil { repeats += 1 }
        case .block(let block):
            if blocks.updateValue(block, forKey: block.id) != nil { repeats += 1 }
        }
    }
}
