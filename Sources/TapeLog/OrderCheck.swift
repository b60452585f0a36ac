/// Enforces the tape's numbering at enqueue time, so that a tape can only hold contiguous
/// epochs and sequences (SPEC §2: "Never a silent hole").
struct OrderCheck {
    private(set) var epoch: UInt32 = 0
    private(set) var nextSeq: UInt64 = 1

    mutating func check(_ item: TapeWriter.Item) throws(TapeError) {
        switch item {
        case .frame(let frame):
            guard epoch > 0 else { throw .outOfOrder("frame (\(frame.epoch), \(frame.seq)) before any connect event") }
            guard frame.epoch == epoch, frame.seq == nextSeq else {
                throw .outOfOrder("frame (\(frame.epoch), \(frame.seq)) where (\(epoch), \(nextSeq)) was due")
            }
            nextSeq += 1
        case .event(let event):
            switch event.kind {
            case .connect:
                guard event.epoch == epoch + 1, event.afterSeq == 0 else {
                    throw .outOfOrder("connect for epoch \(event.epoch) after epoch \(epoch)")
                }
                epoch = event.epoch
                nextSeq = 1
            case .loss:
                guard event.epoch == epoch, event.afterSeq == nextSeq - 1, let count = event.count, count > 0 else {
                    throw .outOfOrder("loss event at (\(event.epoch), \(event.afterSeq)) where (\(epoch), \(nextSeq - 1)) was due")
                }
                nextSeq += UInt64(count)
            default:
                guard event.epoch == epoch, event.afterSeq == nextSeq - 1 else {
                    throw .outOfOrder(
                        "\(event.kind.rawValue) event at (\(event.epoch), \(event.afterSeq)) where (\(epoch), \(nextSeq - 1)) was due")
                }
            }
        }
    }
}
