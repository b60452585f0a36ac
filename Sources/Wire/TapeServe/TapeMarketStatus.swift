import Primitives
import Upbit

/// A snapshot of a ``TapeMarket``'s replay, for `GET /status` and benchmarks.
public struct TapeMarketStatus: Sendable, Equatable {
    public var speed: ServeSpeed
    public var loop: Bool
    public var replayDisconnects: Bool
    /// Whether the replay clock has started (first listener or ``TapeMarket/start()``).
    public var started: Bool
    /// Whether the replay has ended (end of tape without loop, failure, or stopped).
    public var finished: Bool
    /// The pass over the tape, 1 for the first (more with loop); 0 before the start.
    public var pass: Int
    /// The highest epoch opened in this pass.
    public var epoch: UInt32
    /// The last entry applied in this pass; nil before the first.
    public var position: ReplayPosition?
    /// Messages broadcast since the start (all passes), whether or not anyone was listening.
    public var framesSent: Int
    /// `disconnectAll` events broadcast since the start.
    public var disconnects: Int
    /// Streams (type, code) with snapshot state.
    public var streams: Int
    /// Listeners registered now.
    public var listeners: Int
    /// Listeners cut for being too slow since the start.
    public var listenersCut: Int
    /// Why the replay failed, if it did.
    public var failure: String?

    public init(
        speed: ServeSpeed,
        loop: Bool,
        replayDisconnects: Bool,
        started: Bool,
        finished: Bool,
        pass: Int,
        epoch: UInt32,
        position: ReplayPosition?,
        framesSent: Int,
        disconnects: Int,
        streams: Int,
        listeners: Int,
        listenersCut: Int,
        failure: String?
    ) {
        self.speed = speed
        self.loop = loop
        self.replayDisconnects = replayDisconnects
        self.started = started
        self.finished = finished
        self.pass = pass
        self.epoch = epoch
        self.position = position
        self.framesSent = framesSent
        self.disconnects = disconnects
        self.streams = streams
        self.listeners = listeners
        self.listenersCut = listenersCut
        self.failure = failure
    }

    /// One JSON object with a fixed key order (the `/status` body; `clients` is the number of
    /// connected WebSocket clients, which only the server knows):
    /// `{"tape":…,"speed":"10","loop":false,"replay_disconnects":false,"started":true,
    /// "finished":false,"pass":1,"epoch":2,"position":{"epoch":2,"seq":41,"mono_ns":…} or null,
    /// "frames_sent":…,"disconnects":…,"streams":…,"clients":…,"listeners":…,"listeners_cut":…,
    /// "clients_closed_budget":…,"clients_closed_unwritable":…,"failure":null}`. The two
    /// `clients_closed_*` figures are the server's (clients closed with 1008 for passing their
    /// send budget, or for a socket unwritable past the deadline).
    public func json(tape: String, clients: Int, closedBudget: Int = 0, closedUnwritable: Int = 0) -> String {
        var out: [UInt8] = []
        func key(_ name: String) {
            out.append(out.isEmpty ? UInt8(ascii: "{") : UInt8(ascii: ","))
            JSONValue.writeString(name, to: &out)
            out.append(UInt8(ascii: ":"))
        }
        func raw(_ text: String) { out.append(contentsOf: text.utf8) }
        key("tape")
        JSONValue.writeString(tape, to: &out)
        key("speed")
        JSONValue.writeString(self.speed.description, to: &out)
        key("loop")
        raw("\(self.loop)")
        key("replay_disconnects")
        raw("\(self.replayDisconnects)")
        key("started")
        raw("\(self.started)")
        key("finished")
        raw("\(self.finished)")
        key("pass")
        raw("\(self.pass)")
        key("epoch")
        raw("\(self.epoch)")
        key("position")
        if let p = self.position {
            raw(#"{"epoch":\#(p.epoch),"seq":\#(p.seq),"mono_ns":\#(p.monoNs)}"#)
        } else {
            raw("null")
        }
        key("frames_sent")
        raw("\(self.framesSent)")
        key("disconnects")
        raw("\(self.disconnects)")
        key("streams")
        raw("\(self.streams)")
        key("clients")
        raw("\(clients)")
        key("listeners")
        raw("\(self.listeners)")
        key("listeners_cut")
        raw("\(self.listenersCut)")
        key("clients_closed_budget")
        raw("\(closedBudget)")
        key("clients_closed_unwritable")
        raw("\(closedUnwritable)")
        key("failure")
        if let failure = self.failure { JSONValue.writeString(failure, to: &out) } else { raw("null") }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }
}
