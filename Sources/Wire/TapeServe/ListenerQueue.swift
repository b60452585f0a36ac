import Primitives

/// The bounded buffer between a ``TapeMarket`` and one listener (one client connection).
///
/// The producer never blocks here: ``offer(_:)`` answers at once. At a paced speed a full queue
/// is *cut* (see ``TapeMarket``); at `max` speed the producer awaits ``waitForRoom()`` instead.
/// The consumer pulls with ``next()``: this is what the listener's `AsyncStream` unfolds.
final class ListenerQueue: Sendable {
    enum Offer: Equatable {
        /// Handed to the waiting consumer or queued.
        case accepted
        /// The queue holds `capacity` events already; nothing was queued.
        case full
        /// The queue was finished, cut or cancelled.
        case closed
    }

    private typealias Consumer = CheckedContinuation<ExchangeEvent?, Never>
    private typealias Producer = CheckedContinuation<Void, Never>

    private struct State {
        var items: [ExchangeEvent] = []
        var head = 0
        var consumer: Consumer?
        var producer: Producer?
        /// No more offers; the consumer still gets what is queued, then nil.
        var finished = false
        /// The consumer went away: nothing more is delivered.
        var cancelled = false

        var count: Int { self.items.count - self.head }

        mutating func pop() -> ExchangeEvent? {
            guard self.head < self.items.count else { return nil }
            let item = self.items[self.head]
            self.head += 1
            if self.head == self.items.count {
                self.items.removeAll(keepingCapacity: true)
                self.head = 0
            } else if self.head >= 1024, self.head * 2 >= self.items.count {
                self.items.removeFirst(self.head)
                self.head = 0
            }
            return item
        }
    }

    let capacity: Int
    private let state = Locked(State())

    init(capacity: Int) {
        self.capacity = Swift.max(1, capacity)
    }

    /// Events queued and not yet taken.
    var count: Int { self.state.withLock { $0.count } }

    /// Whether the producer must wait before the next offer at `max` speed.
    var isFull: Bool { self.state.withLock { !$0.finished && !$0.cancelled && $0.count >= self.capacity } }

    /// Hands `event` to the consumer or queues it; never waits.
    func offer(_ event: ExchangeEvent) -> Offer {
        let (result, consumer) = self.state.withLock { state -> (Offer, Consumer?) in
            if state.finished || state.cancelled { return (.closed, nil) }
            if let consumer = state.consumer {
                state.consumer = nil
                return (.accepted, consumer)
            }
            guard state.count < self.capacity else { return (.full, nil) }
            state.items.append(event)
            return (.accepted, nil)
        }
        consumer?.resume(returning: event)
        return result
    }

    /// Drops everything queued, queues `last` as the only event, and finishes: the consumer gets
    /// `last`, then the end.
    func cut(with last: ExchangeEvent) {
        let (consumer, producer) = self.state.withLock { state -> (Consumer?, Producer?) in
            defer { (state.consumer, state.producer) = (nil, nil) }
            guard !state.cancelled, !state.finished else { return (nil, state.producer) }
            state.finished = true
            state.items.removeAll()
            state.head = 0
            if state.consumer == nil { state.items.append(last) }
            return (state.consumer, state.producer)
        }
        consumer?.resume(returning: last)
        producer?.resume()
    }

    /// No more events: the consumer gets what is queued, then the end.
    func finish() {
        let (consumer, producer) = self.state.withLock { state -> (Consumer?, Producer?) in
            state.finished = true
            defer { (state.consumer, state.producer) = (nil, nil) }
            return (state.count == 0 ? state.consumer : nil, state.producer)
        }
        consumer?.resume(returning: nil)
        producer?.resume()
    }

    /// The consumer is gone (its task was cancelled or it dropped the stream): drop everything.
    func cancel() {
        let (consumer, producer) = self.state.withLock { state -> (Consumer?, Producer?) in
            state.cancelled = true
            state.items.removeAll()
            state.head = 0
            defer { (state.consumer, state.producer) = (nil, nil) }
            return (state.consumer, state.producer)
        }
        consumer?.resume(returning: nil)
        producer?.resume()
    }

    /// The next event, waiting while the queue is empty; nil once finished and drained, or cancelled.
    func next() async -> ExchangeEvent? {
        await withCheckedContinuation { (continuation: Consumer) in
            let (ready, producer) = self.state.withLock { state -> (ExchangeEvent??, Producer?) in
                if state.cancelled { return (.some(nil), nil) }
                if let item = state.pop() {
                    // Wake a producer waiting for room once half the buffer is free (fewer wake-ups).
                    guard state.producer != nil, state.count <= self.capacity / 2 else { return (item, nil) }
                    defer { state.producer = nil }
                    return (item, state.producer)
                }
                if state.finished { return (.some(nil), nil) }
                state.consumer = continuation
                return (nil, nil)
            }
            producer?.resume()
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// Returns once at most half the capacity is queued, or the queue closed, or the calling task
    /// is cancelled.
    func waitForRoom() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: Producer) in
                let wait = self.state.withLock { state -> Bool in
                    guard !Task.isCancelled, !state.finished, !state.cancelled, state.count > self.capacity / 2
                    else { return false }
                    state.producer = continuation
                    return true
                }
                if !wait { continuation.resume() }
            }
        } onCancel: {
            let producer = self.state.withLock { state -> Producer? in
                defer { state.producer = nil }
                return state.producer
            }
            producer?.resume()
        }
    }
}
