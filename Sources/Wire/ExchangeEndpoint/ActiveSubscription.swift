import Upbit

/// What one connection is subscribed to, derived from its last request (Upbit's documentation: "a new
/// request replaces the previous subscription set; it does not add to it").
///
/// Pure state: the handler asks it which live messages pass (and at which orderbook depth) and
/// which SNAPSHOTs a new request calls for.
struct ActiveSubscription: Sendable, Equatable {
    /// A stream the connection receives REALTIME messages of.
    struct StreamKey: Hashable, Sendable {
        var type: String
        var code: String?
    }

    /// One SNAPSHOT to send after the request.
    struct SnapshotRequest: Equatable, Sendable {
        var type: String
        var code: String
        /// Orderbook units to keep (nil: all).
        var depth: Int?
    }

    /// The request as sent (LIST_SUBSCRIPTIONS reports its type objects).
    let request: UpbitSubscription
    /// The connection's format (Upbit's documentation: it applies to the whole connection).
    let format: UpbitSubscription.Format
    /// Key spelling of everything sent from now on.
    var keys: UpbitFormat.Format { self.format.keys }
    /// `JSON_LIST` / `SIMPLE_LIST`: each message goes out as a one-element JSON array (how Upbit
    /// batches items per frame is undocumented).
    var wrapsInList: Bool { self.format == .jsonList || self.format == .simpleList }
    /// Live streams, with the orderbook depth asked for (nil for other types).
    private let realtime: [StreamKey: Int?]
    /// myOrder without codes: every market's orders.
    private let allOrders: Bool
    /// The SNAPSHOTs the request calls for, in request order, without repeats.
    let snapshots: [SnapshotRequest]

    init(_ request: UpbitSubscription, format: UpbitSubscription.Format) {
        self.request = request
        self.format = format
        var realtime: [StreamKey: Int?] = [:]
        var snapshots: [SnapshotRequest] = []
        var seen = Set<StreamKey>()
        var allOrders = false
        for t in request.types {
            let isPrivate = UpbitSubscription.privateTypes.contains(t.type)
            if t.type == "myOrder" && t.codes.isEmpty { allOrders = !t.isOnlySnapshot }
            if t.type == "myAsset" && !t.isOnlySnapshot { realtime[StreamKey(type: t.type, code: nil)] = .some(nil) }
            for code in t.codes {
                let market = UpbitScanner.stripDepthSuffix(code)
                let key = StreamKey(type: t.type, code: market)
                // 30 is Upbit's maximum: nothing to cut.
                let asked = UpbitSubscription.TypeRequest.depth(of: code)
                let depth: Int? = t.type == "orderbook" && asked < 30 ? asked : nil
                guard seen.insert(key).inserted else { continue }
                if !t.isOnlySnapshot { realtime[key] = .some(depth) }
                // Private streams are REALTIME only (Upbit's documentation: myAsset "REALTIME only",
                // myOrder "in practice REALTIME").
                if !t.isOnlyRealtime && !isPrivate {
                    snapshots.append(SnapshotRequest(type: t.type, code: market, depth: depth))
                }
            }
        }
        self.realtime = realtime
        self.snapshots = snapshots
        self.allOrders = allOrders
    }

    /// Whether a live message of (type, code) is sent on this connection; `.some(depth)` when it
    /// is (depth nil: send whole), nil when it is filtered out.
    func accepts(type: String, code: String?) -> Int?? {
        if let depth = self.realtime[StreamKey(type: type, code: code)] { return .some(depth) }
        if type == "myOrder" && self.allOrders { return .some(nil) }
        return nil
    }

    static func == (lhs: ActiveSubscription, rhs: ActiveSubscription) -> Bool {
        lhs.request == rhs.request && lhs.format == rhs.format
    }
}
