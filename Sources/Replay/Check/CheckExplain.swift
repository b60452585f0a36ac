import Exchange

/// The oracle's catalogue of plain-language explanations, one per violation and finding shape,
/// so that they read alike and tests can assert them.
enum CheckExplain {
    static func c1(_ consumer: String, _ first: DeliveryWitness, _ again: DeliveryWitness) -> String {
        "consumer \(consumer) received \(again.streamKey) key \(again.keyHex) twice: first at \(first.frame), "
            + "again at \(again.frame) (event time \(again.eventTimeMs) ms)"
    }

    static func c2(_ consumer: String, _ earlier: DeliveryWitness, _ now: DeliveryWitness) -> String {
        // Event times are the exchange's, any 64-bit value: the difference may not fit in one.
        let (back, overflow) = earlier.eventTimeMs.subtractingReportingOverflow(now.eventTimeMs)
        return "consumer \(consumer) received \(now.streamKey) at \(now.eventTimeMs) ms \(now.frame) after "
            + "\(earlier.eventTimeMs) ms \(earlier.frame): its state went back "
            + (overflow ? "more than 2^63 ms" : "\(back) ms")
    }

    static func c3(_ consumer: String, _ earlier: DeliveryWitness, _ now: DeliveryWitness) -> String {
        "consumer \(consumer) received \(now.streamKey) \(now.frame) from epoch \(now.epoch) after "
            + "\(earlier.streamKey) \(earlier.frame) from epoch \(earlier.epoch)"
    }

    static func c4(_ consumer: String, _ snapshot: DeliveryWitness, _ now: DeliveryWitness) -> String {
        "consumer \(consumer) received REALTIME \(now.streamKey) at \(now.eventTimeMs) ms \(now.frame) below the "
            + "SNAPSHOT at \(snapshot.eventTimeMs) ms it received at \(snapshot.frame)"
    }

    static func c5Older(_ consumer: String, _ newer: DeliveryWitness, _ now: DeliveryWitness) -> String {
        "consumer \(consumer) received \(now.streamKey) \(now.frame) after the newer value \(newer.frame): "
            + "an older value was delivered"
    }

    static func c5Coalesce(_ consumer: String, _ replaced: DeliveryWitness, _ by: DeliveryWitness) -> String {
        if replaced.streamKey != by.streamKey {
            return "coalescing at consumer \(consumer) replaced \(replaced.streamKey) \(replaced.frame) by "
                + "\(by.streamKey) \(by.frame), a different stream key"
        }
        return "coalescing at consumer \(consumer) replaced \(replaced.streamKey) \(replaced.frame) by the older "
            + "value \(by.frame)"
    }

    static func c5Stale(_ consumer: String, _ last: DeliveryWitness?, _ accepted: DeliveryWitness) -> String {
        guard let last else {
            return "consumer \(consumer) never received \(accepted.streamKey); the last accepted value is "
                + "\(accepted.frame) at \(accepted.eventTimeMs) ms"
        }
        return "after the drain consumer \(consumer) ends on \(last.streamKey) \(last.frame) at "
            + "\(last.eventTimeMs) ms but the last accepted value is \(accepted.frame) at "
            + "\(accepted.eventTimeMs) ms: a stale value survived"
    }

    static func c6(_ consumer: String, accepted: Int, delivered: Int, dropped: Int) -> String {
        let missing = accepted - delivered - dropped
        let balance = missing > 0 ? "\(missing) unaccounted for" : "\(-missing) more than accepted"
        return "consumer \(consumer): \(accepted) accepted trades passed its filter but \(delivered) were "
            + "delivered and \(dropped) dropped (\(balance))"
    }

    static func c6Counter(_ consumer: String, counter: String, counted: Int, observed: Int) -> String {
        "consumer \(consumer): the hub counted \(counted) \(counter) but the oracle saw \(observed)"
    }

    static func gap(epoch: UInt32, from: GapMark, toSeq: UInt64?, toNs: Int64, until: String) -> String {
        let start = from.seq == 0 ? "its connect" : "seq \(from.seq)"
        let end = toSeq.map { "seq \($0)" } ?? until
        return "no inbound data in epoch \(epoch) for \(DurationText.seconds(toNs - from.ns)): from \(start) at "
            + "\(DurationText.seconds(from.ns)) to \(end) at \(DurationText.seconds(toNs))"
    }

    static func silentStream(_ key: String, epoch: UInt32, sinceNs: Int64, windowNs: Int64) -> String {
        "\(key) had data before the reconnect that opened epoch \(epoch) at \(DurationText.seconds(sinceNs)) and "
            + "none in the \(DurationText.seconds(windowNs)) after it, although the subscription covers it"
    }

    static func timeUnit(_ key: String, raw: Int64, unit: EventTimeUnit, ms: Int64) -> String {
        "\(key) event time \(raw) was sent in \(unit == .microseconds ? "microseconds" : "nanoseconds"); "
            + "read as \(ms) ms"
    }

    static func reordered(_ key: String, timeMs: Int64, newestMs: Int64) -> String {
        "\(key) at \(timeMs) ms arrived after \(newestMs) ms; delivered as a fact"
    }

    static func discard(_ kind: FindingClass, _ key: String, timeMs: Int64?) -> String {
        let time = timeMs.map { " at \($0) ms" } ?? ""
        switch kind {
        case .duplicate: return "\(key)\(time): idempotency key seen before, discarded (R3)"
        case .staleEpoch: return "\(key)\(time): from an epoch below the current one, discarded (R1)"
        case .staleSnapshot: return "SNAPSHOT \(key)\(time): older than the applied state, discarded (R4)"
        case .beforeSnapshot: return "REALTIME \(key)\(time): older than its snapshot, discarded (R4)"
        case .outOfOrder: return "REALTIME \(key)\(time): older than the applied state, discarded (R5)"
        case .outOfBand: return "\(key) message kept from market consumers (R2)"
        case .serverError: return "server error message kept from market consumers (R2)"
        case .unknown: return "not a recognisable Upbit message"
        case .decodeError: return "\(key) message lacks its event time or idempotency key"
        case .reordered, .gap, .timeUnit, .silentStream: return key
        }
    }
}
