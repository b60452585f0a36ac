extension TapeReader {
    /// Frame rows in the tape (for progress and ETA; one pass over the frame index).
    public func frameCount() throws(TapeError) -> Int {
        do {
            return Int(try db.scalarInt("SELECT count(*) FROM frame") ?? 0)
        } catch {
            throw TapeFile.classify(error, path: path)
        }
    }
}
