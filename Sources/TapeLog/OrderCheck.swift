/// Enforces the tape's numbering at enqueue time, so that a tape can only hold contiguous
/// epochs and sequences: never a silent hole (see <doc:TapeFileFormat>).
///
/// Epochs open in order 1, 2, 3 … by their connect events. A frame may still arrive for an
/// earlier epoch after a later one opened (a stale-epoch tail: the old connection's late
/// frames), as long as it continues that epoch's own seq.
struct OrderCheck {
    private(set) var epoch: UInt32 = 0
    private var nextSeqs: [UInt64] = [1]  // index = epoch; epoch 0 holds pre-connect events only

    var nextSeq: UInt64 { nextSeqs[Int(epoch)] }

    mutating func check(_ item: TapeWriter.Item) throws(TapeError) {
        switch item {
        case .frame(let frame):
            guard (0...RowChecks.maxMonoNs).contains(frame.monoNs) else {
                throw .outOfOrder("frame (\(frame.epoch), \(frame.seq)) at mono_ns \(frame.monoNs), outside 0 … 2^62")
            }
            guard frame.epoch >= 1, frame.epoch <= epoch else {
                throw .outOfOrder("frame (\(frame.epoch), \(frame.seq)) but epoch \(frame.epoch) was never opened")
            }
            let due = nextSeqs[Int(frame.epoch)]
            guard frame.seq == due else {
                throw .outOfOrder("frame (\(frame.epoch), \(frame.seq)) where (\(frame.epoch), \(due)) was due")
            }
            nextSeqs[Int(frame.epoch)] = due + 1
        case .event(let event):
            guard (0...RowChecks.maxMonoNs).contains(event.monoNs) else {
                throw .outOfOrder("\(event.kind.rawValue) event at mono_ns \(event.monoNs), outside 0 … 2^62")
            }
            if event.kind == .connect {
                guard event.epoch == epoch + 1, event.afterSeq == 0 else {
                    throw .outOfOrder("connect for epoch \(event.epoch) after epoch \(epoch)")
                }
                epoch = event.epoch
                nextSeqs.append(1)
                return
            }
            guard event.epoch <= epoch else {
                throw .outOfOrder("\(event.kind.rawValue) event for epoch \(event.epoch), which was never opened")
            }
            let last = nextSeqs[Int(event.epoch)] - 1
            guard event.afterSeq == last else {
                throw .outOfOrder(
                    "\(event.kind.rawValue) event at (\(event.epoch), \(event.afterSeq)) where (\(event.epoch), \(last)) was due"
                )
            }
            if event.kind == .loss {
                guard let count = event.count, count > 0, count <= RowChecks.maxLossCount else {
                    throw .outOfOrder("loss event without a count in 1 … 2^32 - 1")
                }
                nextSeqs[Int(event.epoch)] += UInt64(count)
            }
        case .relay:
            return  // positioned by its own columns; the relay writes it after the frame it follows
        }
    }
}
