import Dispatch
import Foundation
import Primitives
import TapeLog
import Testing
import Upbit

@testable import Replay

/// The read-ahead's hand-off between two threads (`@unchecked Sendable`: its safety rests on the
/// semaphores giving each buffer to one side at a time, which the compiler cannot check). The
/// model is the list of batches the producer meant to send: the consumer must receive exactly
/// those, in order, whatever the interleaving, with every reused buffer emptied in between.
@Suite("Read-ahead batch channel against a list")
struct BatchChannelModelTests {
    /// What one batch should carry.
    struct Planned: Sendable, Equatable {
        var items: [UInt64]
        var last: Bool
        var failure: TapeError?
    }

    /// Batches of random sizes (empty and full ones included), some with a failure on the last;
    /// either side now and then pauses, so that the buffers are found full, empty and in between.
    @Test("the consumer receives exactly the batches sent, in order", arguments: [UInt64(21), 22, 23, 24])
    func matchesTheModel(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let batchSize = 16
        let count = 2_000
        var plan: [Planned] = []
        for n in 0..<count {
            let size = Int(random.below(UInt64(batchSize + 1)))
            plan.append(Planned(items: (0..<size).map { _ in random.next() }, last: n == count - 1))
        }
        if seed % 2 == 0 { plan[count - 1].failure = .io(path: "model", reason: "seed \(seed)") }
        let pauses = (0..<(2 * count)).map { _ in random.chance(1, in: 50) }
        let channel = BatchChannel<UInt64>(depth: 3, batchSize: batchSize)
        let sent = plan
        let done = DispatchSemaphore(value: 0)
        DispatchQueue(label: "batch-channel-model").async {
            for (n, batch) in sent.enumerated() {
                if pauses[n] { Thread.sleep(forTimeInterval: 0.000_2) }
                channel.send { buffer in
                    // Appended, so that items left in a reused buffer would show.
                    buffer.items.append(contentsOf: batch.items)
                    buffer.last = batch.last
                    buffer.failure = batch.failure
                }
            }
            done.signal()
        }
        var received: [Planned] = []
        var finished = false
        while !finished {
            if pauses[count + received.count] { Thread.sleep(forTimeInterval: 0.000_2) }
            channel.receive { batch in
                received.append(Planned(items: batch.items, last: batch.last, failure: batch.failure))
                finished = batch.last
            }
        }
        done.wait()
        #expect(received.count == plan.count)
        #expect(received == plan)
    }
}
