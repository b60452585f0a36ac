import TapeLog

extension TapeReader {
    /// Steps every row of `frame` and `frame_facts` reading the columns the checks use, and
    /// nothing else: the baseline `ticktape bench check` compares the check pipeline with.
    /// Returns the number of frame rows.
    public func scanRows() throws(TapeError) -> Int {
        try withDatabase { db throws(SQLiteError) in
            let frames = try db.prepare("SELECT epoch, seq, dir, opcode, mono_ns FROM frame ORDER BY epoch, seq")
            var count = 0
            var sink: Int64 = 0
            while try frames.step() {
                sink &+= frames.int64(0) &+ frames.int64(1) &+ frames.int64(2) &+ frames.int64(3) &+ frames.int64(4)
                count += 1
            }
            let facts = try db.prepare(
                "SELECT epoch, seq, stream, event_ms, snapshot, sid, idem FROM frame_facts ORDER BY epoch, seq"
            )
            while try facts.step() {
                sink &+= facts.int64(0) &+ facts.int64(1) &+ facts.int64(2) &+ facts.int64(3) &+ facts.int64(4)
                sink &+= facts.int64(5) &+ facts.int64(6)
            }
            if sink == 42 { count += 0 }  // keep the reads observable
            return count
        }
    }
}
