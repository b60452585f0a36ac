import Exchange
import Primitives

/// The capture shapes `ticktape import` reads.
public enum CaptureFormat: String, Sendable, Hashable, CaseIterable {
    /// ticktape's own export: a session line (optional), then frames and lifecycle events.
    case ticktape
    /// tardis-machine's replay output: `{"localTimestamp": "<ISO-8601>", "message": {…}}` per
    /// line, one connection; a line without a message marks a disconnect.
    case tardis
    /// One raw exchange message per line, with an optional receive-time member.
    case raw

    /// The format of a capture, told by its first non-empty line: a `kind` member is our own
    /// export, `localTimestamp` with `message` is tardis-machine's, anything else is raw.
    public static func detect(firstLine bytes: [UInt8]) -> CaptureFormat {
        guard let members = try? JSONValue.objectMembers(bytes) else { return .raw }
        let keys = Set(members.map(\.key))
        if keys.contains("kind") { return .ticktape }
        if keys.contains("localTimestamp") && keys.contains("message") { return .tardis }
        return .raw
    }
}

/// One line of a foreign capture: a received message, or the end of a connection.
public enum CapturedLine: Sendable, Equatable {
    /// A message as received: its bytes exactly as the capture holds them, and the receive time
    /// in Unix nanoseconds when the capture says.
    case message(payload: [UInt8], receivedNs: Int64?)
    /// The connection ended here (tardis-machine's disconnect marker).
    case disconnect(receivedNs: Int64?)
}

/// Decoders of foreign capture lines. Payload bytes are cut out of the line exactly as written
/// (number spellings such as `6E-8` and escapes kept), never re-serialised.
public enum ForeignCapture {
    /// One tardis-machine line: `{"localTimestamp": …, "message": {…}}`. A `message` that is
    /// absent or null is a disconnect marker.
    public static func tardisLine(_ bytes: [UInt8], line: Int) throws(JSONLError) -> CapturedLine {
        let members: [JSONMemberSpan]
        do { members = try JSONValue.objectMembers(bytes) } catch {
            throw JSONLError(line: line, reason: "not a JSON object (\(error))")
        }
        guard let stamp = members.first(where: { $0.key == "localTimestamp" }) else {
            throw JSONLError(line: line, reason: "missing \"localTimestamp\"")
        }
        guard let ns = receiveTime(stamp.value) else {
            throw JSONLError(line: line, reason: "\"localTimestamp\" is not an ISO-8601 time or a number")
        }
        guard let message = members.first(where: { $0.key == "message" }), !message.value.isNull else {
            return .disconnect(receivedNs: ns)
        }
        switch message.value {
        case .object:
            return .message(payload: Array(bytes[message.valueRange]), receivedNs: ns)
        case .string(let text):
            // A message captured as text: its content is the payload.
            return .message(payload: Array(text.utf8), receivedNs: ns)
        default:
            throw JSONLError(line: line, reason: "\"message\" must be an object or a string")
        }
    }

    /// One raw line: the message itself. With `timeField`, that top-level member holds the
    /// receive time and is cut out of the payload (the other bytes untouched); a line without it
    /// is an error. Without `timeField` the receive time is unknown (nil).
    public static func rawLine(_ bytes: [UInt8], line: Int, timeField: String?) throws(JSONLError) -> CapturedLine {
        let members: [JSONMemberSpan]
        do { members = try JSONValue.objectMembers(bytes) } catch {
            throw JSONLError(line: line, reason: "not a JSON object (\(error))")
        }
        guard let timeField else { return .message(payload: bytes, receivedNs: nil) }
        guard let member = members.first(where: { $0.key == timeField }) else {
            throw JSONLError(line: line, reason: "missing the time field \"\(timeField)\"")
        }
        guard let ns = receiveTime(member.value) else {
            throw JSONLError(line: line, reason: "\"\(timeField)\" is not an ISO-8601 time or a number")
        }
        var payload = Array(bytes[..<member.memberRange.lowerBound])
        payload += bytes[member.memberRange.upperBound...]
        return .message(payload: payload, receivedNs: ns)
    }

    /// A receive time in Unix nanoseconds: an ISO-8601 UTC string (`2023-08-08T21:40:05.062Z`,
    /// any number of fraction digits, `Z` or a `±hh:mm` offset), or a number whose magnitude
    /// tells its unit (seconds below 10^11, then milliseconds, microseconds, nanoseconds; a
    /// fraction allowed for seconds and milliseconds).
    public static func receiveTime(_ value: JSONValue) -> Int64? {
        switch value {
        case .string(let text): return isoTime(text)
        case .number(let text): return numericTime(text)
        default: return nil
        }
    }

    private static func numericTime(_ text: String) -> Int64? {
        guard let value = Double(text), value.isFinite, value >= 0 else { return nil }
        if let whole = Int64(text) {
            if whole < 100_000_000_000 {
                return whole.multipliedReportingOverflow(by: 1_000_000_000).overflow ? nil : whole * 1_000_000_000
            }
            switch EventTimeUnit(of: whole) {
            case .milliseconds: return whole * 1_000_000
            case .microseconds: return whole * 1_000
            case .nanoseconds: return whole
            }
        }
        // A fraction: seconds or milliseconds, to the nanosecond a Double holds.
        let ns = value < 1e11 ? value * 1e9 : value * 1e6
        guard ns < 9.2e18 else { return nil }
        return Int64(ns.rounded())
    }

    /// `yyyy-MM-ddTHH:mm:ss[.f…](Z|±hh:mm)` (a space for the `T` accepted) → Unix nanoseconds.
    static func isoTime(_ text: String) -> Int64? {
        let u = Array(text.utf8)
        func digits(_ at: Int, _ count: Int) -> Int64? {
            guard at + count <= u.count else { return nil }
            var v: Int64 = 0
            for k in at..<(at + count) {
                let d = u[k] &- 0x30
                guard d < 10 else { return nil }
                v = v * 10 + Int64(d)
            }
            return v
        }
        guard u.count >= 19, let year = digits(0, 4), u[4] == 0x2D, let month = digits(5, 2), u[7] == 0x2D,
            let day = digits(8, 2), u[10] == 0x54 || u[10] == 0x20, let hour = digits(11, 2), u[13] == 0x3A,
            let minute = digits(14, 2), u[16] == 0x3A, let second = digits(17, 2),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var k = 19
        var fractionNs: Int64 = 0
        if k < u.count, u[k] == 0x2E {
            k += 1
            var scale: Int64 = 100_000_000
            let start = k
            while k < u.count, (0x30...0x39).contains(u[k]) {
                fractionNs += Int64(u[k] - 0x30) * scale
                scale /= 10
                k += 1
            }
            guard k > start else { return nil }
        }
        var offsetSeconds: Int64 = 0
        if k < u.count {
            if u[k] == 0x5A {
                k += 1
            } else if u[k] == 0x2B || u[k] == 0x2D, let oh = digits(k + 1, 2), k + 3 < u.count, u[k + 3] == 0x3A,
                let om = digits(k + 4, 2)
            {
                offsetSeconds = (oh * 3600 + om * 60) * (u[k] == 0x2D ? -1 : 1)
                k += 6
            } else {
                return nil
            }
        }
        guard k == u.count else { return nil }
        let days = CivilTime.days(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        let (ns, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return nil }
        return ns + fractionNs
    }
}

/// Builds a tape from a foreign capture's lines: one epoch per connection the capture tells
/// apart, inbound binary frames (as Upbit sends them), arrival times from the capture.
///
/// Arrival times that go backwards are held at the latest one (a monotonic clock never goes
/// back); lines without a receive time take the message's own event time, or the previous
/// arrival when it has none.
public final class CaptureImporter {
    private let writer: TapeWriter
    private let profile: any ExchangeProfile
    private let startedNs: Int64
    private var epoch: UInt32 = 0
    private var seq: UInt64 = 0
    private var lastMonoNs: Int64 = 0
    private var lastWallNs: Int64
    private var open = false
    /// Frames written so far.
    public private(set) var frames = 0
    /// Connections (epochs) written so far.
    public var connections: Int { Int(epoch) }

    /// Creates the tape at `path`. `source` says where the capture came from (kept as the
    /// session's URL, so `inspect` shows it); `startedNs` is the first receive time.
    public init(
        path: String,
        source: String,
        startedNs: Int64,
        toolVersion: String,
        profile: any ExchangeProfile
    ) throws(TapeError) {
        self.startedNs = startedNs
        self.lastWallNs = startedNs
        self.profile = profile
        writer = try TapeWriter(
            path: path,
            session: SessionInfo(toolVersion: toolVersion, url: source, startedNs: startedNs),
            profile: profile
        )
    }

    /// Appends one line's content.
    public func add(_ line: CapturedLine) throws(TapeError) {
        switch line {
        case .message(let payload, let receivedNs):
            let wall = receivedNs ?? Self.eventTimeNs(payload, profile: profile) ?? lastWallNs
            let mono = advance(to: wall)
            if !open {
                epoch += 1
                seq = 0
                open = true
                try writer.record(
                    LifecycleRecord(kind: .connect, epoch: epoch, afterSeq: 0, wallNs: wall, monoNs: mono)
                )
            }
            seq += 1
            try writer.append(
                FrameRecord(
                    epoch: epoch,
                    seq: seq,
                    direction: .inbound,
                    opcode: .binary,
                    fragments: 1,
                    recvNs: wall,
                    monoNs: mono,
                    payload: payload
                )
            )
            frames += 1
        case .disconnect(let receivedNs):
            guard open else { return }
            let wall = receivedNs ?? lastWallNs
            let mono = advance(to: wall)
            open = false
            try writer.record(
                LifecycleRecord(
                    kind: .disconnect,
                    epoch: epoch,
                    afterSeq: seq,
                    wallNs: wall,
                    monoNs: mono,
                    detail: "disconnect marked in the capture"
                )
            )
        }
    }

    /// Ends the session and closes the tape.
    public func finish() throws(TapeError) {
        if epoch > 0 {
            try writer.record(
                LifecycleRecord(kind: .sessionEnd, epoch: epoch, afterSeq: seq, wallNs: lastWallNs, monoNs: lastMonoNs)
            )
        }
        _ = try writer.close()
    }

    /// Abandons the tape (after an input error); the caller removes the file.
    public func abandon() { _ = try? writer.close() }

    private func advance(to wallNs: Int64) -> Int64 {
        let (mono, overflow) = wallNs.subtractingReportingOverflow(startedNs)
        if !overflow, mono > lastMonoNs { lastMonoNs = mono }
        if wallNs > lastWallNs { lastWallNs = wallNs }
        return lastMonoNs
    }

    /// The session start of a capture: its first receive time, or the first message's own event
    /// time when the capture has none (0 when neither is known).
    public static func startedNs(of lines: [CapturedLine], profile: any ExchangeProfile) -> Int64 {
        for line in lines {
            switch line {
            case .message(let payload, let received):
                if let ns = received ?? eventTimeNs(payload, profile: profile) { return ns }
            case .disconnect(let received):
                if let received { return received }
            }
        }
        return 0
    }

    private static func eventTimeNs(_ payload: [UInt8], profile: any ExchangeProfile) -> Int64? {
        guard let ms = profile.facts(of: payload).eventTimeMs else { return nil }
        let (ns, overflow) = ms.multipliedReportingOverflow(by: 1_000_000)
        return overflow ? nil : ns
    }
}
