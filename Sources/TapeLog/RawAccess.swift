/// Raw SQLite access for measurements that compare the tape with plain SQLite (the Bench
/// target's baselines): a tape's own connection, and a tape writer's connection settings.

extension TapeReader {
    /// Runs `body` on this reader's own connection, so that a measurement reads exactly as the
    /// reader does (same open, same checks already paid). SQLite failures are reported as the
    /// reader reports them: a damaged file is ``TapeError/corrupt(path:reason:)``, anything else
    /// ``TapeError/io(path:reason:)``. Meant for reads: the tape's triggers refuse changes to its rows.
    public func withDatabase<T>(_ body: (Database) throws(SQLiteError) -> T) throws(TapeError) -> T {
        do {
            return try body(db)
        } catch {
            throw TapeFile.classify(error, path: path)
        }
    }
}

extension Database {
    /// Applies a tape writer's connection settings (page size, WAL, `synchronous` of
    /// `options.sync`) to this connection, before any table exists: a plain SQLite file set up
    /// like this differs from a tape only in what is written to it, which is what the write
    /// bench's baseline needs to price.
    public func applyTapeSettings(_ options: WriterOptions) throws(SQLiteError) {
        try TapeStore.configure(self, options: options)
    }
}
