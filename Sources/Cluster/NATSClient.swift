import CNats
import Foundation
import Primitives

/// A cluster operation failed. Descriptions are one line; ``isBadInput`` tells the CLI's exit
/// code (2 for what the user gave, 3 for the network or the servers).
public struct ClusterError: Error, CustomStringConvertible, Sendable, Equatable {
    public var description: String
    /// The user's input was wrong (a URL, a stream or recorder name), not the network.
    public var isBadInput: Bool

    public init(_ description: String, badInput: Bool = false) {
        self.description = description
        self.isBadInput = badInput
    }
}

/// Cluster addresses and names, checked before anything connects.
public enum ClusterNames {
    /// Splits `nats://h1:4222,h2:4223,…` into one URL per server (libnats does not split lists
    /// given as one URL); each gets the `nats://` scheme when it has none.
    public static func servers(_ list: String) throws(ClusterError) -> [String] {
        let parts = list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !parts.isEmpty else { throw ClusterError("no NATS server given in \"\(list)\"", badInput: true) }
        return try parts.map { (part) throws(ClusterError) in
            let url = part.contains("://") ? part : "nats://" + part
            guard url.hasPrefix("nats://") || url.hasPrefix("tls://") else {
                throw ClusterError("\(part): a NATS server is nats://HOST:PORT", badInput: true)
            }
            let hostPort = url.split(separator: "/", omittingEmptySubsequences: true).dropFirst().first ?? ""
            guard !hostPort.isEmpty else { throw ClusterError("\(part): no host", badInput: true) }
            return url
        }
    }

    /// A stream or recorder name: letters, digits, `-` and `_` (one NATS subject token).
    public static func check(_ name: String, what: String) throws(ClusterError) {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
        guard !name.isEmpty, name.count <= 64, name.allSatisfy(allowed.contains) else {
            throw ClusterError("\(what) \"\(name)\" must be 1 to 64 letters, digits, - or _", badInput: true)
        }
    }

    /// The subject of one recorder's messages in `stream`.
    public static func subject(stream: String, recorder: String) -> String { "ticktape.\(stream).\(recorder)" }
}

/// Acks delivered by libnats on its own threads, collected for the publisher's thread.
final class AckInbox: @unchecked Sendable {
    private let lock = NSLock()
    private var acked: [String] = []
    private var failed: [(unit: String, reason: String)] = []

    func record(unit: String, failure: String?) {
        lock.lock()
        if let failure { failed.append((unit, failure)) } else { acked.append(unit) }
        lock.unlock()
    }

    func take() -> (acked: [String], failed: [(unit: String, reason: String)]) {
        lock.lock()
        defer {
            acked.removeAll(keepingCapacity: true)
            failed.removeAll(keepingCapacity: true)
            lock.unlock()
        }
        return (acked, failed)
    }
}

/// The header naming a published unit, read back by the ack handler.
let unitHeader = "Tt-Unit"

/// Every async publish's ack: stored, or failed (timeout, no stream leader, error). Runs on a
/// libnats thread; it only records the outcome (re-sending from here would stall the library).
private let ackHandler: jsPubAckHandler = { _, msg, pa, pae, closure in
    var value: UnsafePointer<CChar>?
    var unit: String?
    if let msg, natsMsgHeader_Get(msg, unitHeader, &value) == NATS_OK, let value { unit = String(cString: value) }
    if let msg { natsMsg_Destroy(msg) }
    guard let closure, let unit else { return }
    let inbox = Unmanaged<AckInbox>.fromOpaque(closure).takeUnretainedValue()
    if pa != nil && pae == nil {
        inbox.record(unit: unit, failure: nil)
    } else {
        let reason =
            pae.map { e in
                let text = e.pointee.ErrText.map { String(cString: $0) } ?? ""
                return "status \(e.pointee.Err.rawValue) code \(e.pointee.ErrCode.rawValue) \(text)"
            } ?? "no ack"
        inbox.record(unit: unit, failure: reason)
    }
}

private let connectedHandler: natsConnectionHandler = { _, _ in }

/// One connection to a NATS cluster with a JetStream context. Confined to one thread.
final class NATSClient {
    private(set) var connection: OpaquePointer?
    private(set) var jetStream: OpaquePointer?
    let inbox = AckInbox()

    /// Connects to `servers` (keeps retrying in the background when none answers yet, and
    /// reconnects for ever after an outage). `maxPending` bounds the async publishes in flight.
    init(servers: [String], name: String, maxPending: Int, apiWaitMs: Int64 = 5000) throws(ClusterError) {
        var options: OpaquePointer?
        guard natsOptions_Create(&options) == NATS_OK, let options else {
            throw ClusterError("libnats: cannot create options")
        }
        defer { natsOptions_Destroy(options) }
        var pointers = servers.map { UnsafePointer<CChar>(strdup($0)) }
        defer { for p in pointers { free(UnsafeMutablePointer(mutating: p)) } }
        var status = pointers.withUnsafeMutableBufferPointer {
            natsOptions_SetServers(options, $0.baseAddress, Int32($0.count))
        }
        guard status == NATS_OK else {
            throw ClusterError(
                "bad NATS server list \(servers.joined(separator: ",")): \(Self.text(status))",
                badInput: true
            )
        }
        _ = natsOptions_SetName(options, name)
        _ = natsOptions_SetMaxReconnect(options, -1)
        _ = natsOptions_SetReconnectWait(options, 250)
        _ = natsOptions_SetTimeout(options, 2000)
        _ = natsOptions_SetReconnectBufSize(options, 64 << 20)
        _ = natsOptions_SetRetryOnFailedConnect(options, true, connectedHandler, nil)
        var nc: OpaquePointer?
        status = natsConnection_Connect(&nc, options)
        guard status == NATS_OK || status == NATS_NOT_YET_CONNECTED, let nc else {
            throw ClusterError("cannot connect to \(servers.joined(separator: ",")): \(Self.text(status))")
        }
        connection = nc
        var jsOptions = jsOptions()
        jsOptions_Init(&jsOptions)
        jsOptions.Wait = apiWaitMs
        jsOptions.PublishAsync.AckHandler = ackHandler
        jsOptions.PublishAsync.AckHandlerClosure = Unmanaged.passUnretained(inbox).toOpaque()
        jsOptions.PublishAsync.MaxPending = Int64(maxPending)
        jsOptions.PublishAsync.StallWait = 1000
        var js: OpaquePointer?
        status = natsConnection_JetStream(&js, nc, &jsOptions)
        guard status == NATS_OK, let js else {
            natsConnection_Destroy(nc)
            connection = nil
            throw ClusterError("libnats: no JetStream context: \(Self.text(status))")
        }
        jetStream = js
    }

    deinit { close() }

    /// Closes the connection (pending acks are dropped).
    func close() {
        if let jetStream { jsCtx_Destroy(jetStream) }
        jetStream = nil
        if let connection {
            natsConnection_Close(connection)
            natsConnection_Destroy(connection)
        }
        connection = nil
    }

    var isConnected: Bool {
        guard let connection else { return false }
        return natsConnection_Status(connection) == NATS_CONN_STATUS_CONNECTED
    }

    /// Creates the stream, or updates it to this configuration; nil on success, else why not.
    func ensureStream(name: String, subjects: [String], replicas: Int, duplicateWindowSeconds: Int64) -> String? {
        guard let jetStream else { return "not connected" }
        var config = jsStreamConfig()
        jsStreamConfig_Init(&config)
        config.Storage = js_FileStorage
        config.Replicas = Int64(replicas)
        config.Duplicates = duplicateWindowSeconds * 1_000_000_000
        let subjectPointers = subjects.map { UnsafePointer<CChar>(strdup($0)) }
        defer { for p in subjectPointers { free(UnsafeMutablePointer(mutating: p)) } }
        var mutablePointers: [UnsafePointer<CChar>?] = subjectPointers
        return name.withCString { namePointer in
            mutablePointers.withUnsafeMutableBufferPointer { buffer in
                config.Name = namePointer
                config.Subjects = buffer.baseAddress
                config.SubjectsLen = Int32(buffer.count)
                var info: UnsafeMutablePointer<jsStreamInfo>?
                var code = jsErrCode(0)
                var status = js_AddStream(&info, jetStream, &config, nil, &code)
                if status != NATS_OK && code == JSStreamNameExistErr {
                    status = js_UpdateStream(&info, jetStream, &config, nil, &code)
                }
                if let info { jsStreamInfo_Destroy(info) }
                return status == NATS_OK ? nil : "\(Self.text(status)) (JetStream error \(code.rawValue))"
            }
        }
    }

    /// Publishes asynchronously; nil when libnats took the message (its ack comes to ``inbox``),
    /// else why not (the caller still owns the unit and retries it).
    func publish(
        subject: String,
        headers: [(String, String)],
        msgID: String,
        data: [UInt8],
        ackWaitMs: Int64
    )
        -> String?
    {
        guard let jetStream else { return "not connected" }
        var msg: OpaquePointer?
        var status = data.withUnsafeBufferPointer { buffer in
            natsMsg_Create(
                &msg,
                subject,
                nil,
                UnsafeRawPointer(buffer.baseAddress)?.assumingMemoryBound(to: CChar.self),
                Int32(buffer.count)
            )
        }
        guard status == NATS_OK, msg != nil else { return Self.text(status) }
        for (key, value) in headers { _ = natsMsgHeader_Set(msg, key, value) }
        var options = jsPubOptions()
        jsPubOptions_Init(&options)
        options.MaxWait = ackWaitMs
        status = msgID.withCString { id in
            options.MsgId = id
            return js_PublishMsgAsync(jetStream, &msg, &options)
        }
        if status != NATS_OK {
            if let msg { natsMsg_Destroy(msg) }
            return Self.text(status)
        }
        return nil
    }

    static func text(_ status: natsStatus) -> String {
        natsStatus_GetText(status).map { String(cString: $0) } ?? "status \(status.rawValue)"
    }
}
