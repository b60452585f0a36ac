import Dispatch
import TapeLog

/// Reads a tape's entries in arrival order on a thread of its own and hands them to the caller
/// as ``ReplayInput``s, so that reading (SQLite, the cursors) and judging (rules, fan-out,
/// oracle) run on two cores at once.
///
/// The caller sees exactly the sequence `TapeReader.arrivals(_:payloads:)` yields, in order, on
/// its own thread: only the reading moves. The reading is the facts-only fast path,
/// `TapeReader.factArrivals()`, which yields the same entries for a fraction of the cost.
/// Inputs travel in batches through a few reusable buffers, one hand-off per batch and none per
/// input; memory is `depth × batchSize` inputs.
public enum ReadAhead {
    /// Inputs per hand-off.
    public static let batchSize = 1_024
    /// Batches in flight between the reader and the caller.
    public static let depth = 4
    /// How many inputs ahead of the one being judged a caller of ``forEachBatch(path:_:)``
    /// issues its prefetch hints: far enough for a memory round trip to finish while the inputs
    /// in between are judged.
    public static let lookahead = 12

    /// Calls `body` with every entry of the tape at `path` in arrival order (payloads not
    /// inflated), on the calling thread. Returns the number of inputs. A read error is thrown
    /// after `body` has seen every input before it, as a sequential read would.
    public static func forEachInput(path: String, _ body: (ReplayInput) -> Void) throws(TapeError) -> Int {
        try forEachBatch(path: path) { batch in
            for input in batch { body(input) }
        }
    }

    /// As ``forEachInput(path:_:)``, a batch (up to ``batchSize`` inputs, in order) at a time,
    /// so that the caller can look a few inputs ahead (prefetch hints) without copying them.
    public static func forEachBatch(path: String, _ body: ([ReplayInput]) -> Void) throws(TapeError) -> Int {
        let channel = BatchChannel<ReplayInput>(depth: depth, batchSize: batchSize)
        let done = DispatchSemaphore(value: 0)
        DispatchQueue(label: "ticktape.read-ahead").async {
            produce(path: path, into: channel)
            done.signal()
        }
        var count = 0
        var failure: TapeError?
        var finished = false
        while !finished {
            channel.receive { batch in
                body(batch.items)
                count += batch.items.count
                failure = batch.failure
                finished = batch.last
            }
        }
        done.wait()
        if let failure { throw failure }
        return count
    }

    private static func produce(path: String, into channel: BatchChannel<ReplayInput>) {
        var cursor: FactArrivalCursor?
        var failure: TapeError?
        do {
            cursor = try TapeReader(path: path).factArrivals()
        } catch {
            failure = error
        }
        var last = cursor == nil
        repeat {
            channel.send { batch in
                batch.failure = failure
                guard let cursor, failure == nil else {
                    batch.last = true
                    return
                }
                do throws(TapeError) {
                    while batch.items.count < batchSize {
                        guard let entry = try cursor.next() else {
                            batch.last = true
                            break
                        }
                        batch.items.append(TapeReplay.input(for: entry))
                    }
                } catch {
                    batch.failure = error
                    batch.last = true
                }
                last = batch.last
            }
        } while !last
    }
}

/// A bounded single-producer, single-consumer hand-off of reusable batches. Each slot is owned
/// by exactly one side at a time (the semaphores pass it over, and order its memory), so the
/// buffers are reused without copying or locking per element. Sendable by that protocol, which
/// the compiler cannot check.
final class BatchChannel<Element: Sendable>: @unchecked Sendable {
    struct Batch {
        var items: [Element] = []
        /// The producer's last batch.
        var last = false
        /// Why reading stopped early, with the last batch.
        var failure: TapeError?
    }

    /// One reusable buffer.
    private final class Slot {
        var batch = Batch()
    }

    private let slots: [Slot]
    private let filled = DispatchSemaphore(value: 0)
    private let vacant: DispatchSemaphore
    /// Touched only by the producer / only by the consumer.
    private var sendIndex = 0
    private var receiveIndex = 0

    init(depth: Int, batchSize: Int) {
        vacant = DispatchSemaphore(value: depth)
        slots = (0..<depth).map { _ in
            let slot = Slot()
            slot.batch.items.reserveCapacity(batchSize)
            return slot
        }
    }

    /// Producer: fills the next free batch (emptied, capacity kept) and hands it over.
    func send(_ fill: (inout Batch) -> Void) {
        vacant.wait()
        let slot = slots[sendIndex]
        sendIndex = (sendIndex + 1) % slots.count
        slot.batch.items.removeAll(keepingCapacity: true)
        slot.batch.last = false
        slot.batch.failure = nil
        fill(&slot.batch)
        filled.signal()
    }

    /// Consumer: waits for the next batch, reads it, and gives the buffer back.
    func receive(_ read: (Batch) -> Void) {
        filled.wait()
        let slot = slots[receiveIndex]
        receiveIndex = (receiveIndex + 1) % slots.count
        read(slot.batch)
        vacant.signal()
    }
}
