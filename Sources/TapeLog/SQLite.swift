import CSQLite

/// One SQLite failure with its full context: result code, message and the SQL that failed.
public struct SQLiteError: Error, CustomStringConvertible, Sendable {
    /// The primary or extended result code (sqlite.org/rescode.html).
    public let code: Int32
    /// `sqlite3_errmsg` at the time of failure.
    public let message: String
    /// The statement being prepared or stepped, when there was one.
    public let sql: String?

    public var description: String {
        if let sql { return "SQLite error \(code): \(message) (in \"\(sql.prefix(80))\")" }
        return "SQLite error \(code): \(message)"
    }
}

/// A connection to one SQLite file, confined to the thread that uses it.
///
/// The handle is closed in `deinit` with `sqlite3_close_v2`, which defers the close until every
/// statement is finalized ("If sqlite3_close_v2() is called with unfinalized prepared statements
/// … the database connection becomes an unusable zombie which will automatically be deallocated
/// when the last prepared statement is finalized", sqlite.org/c3ref/close.html).
///
/// Public (with ``Statement``) for measurements against plain SQLite, such as the Bench target's
/// baselines; tapes themselves are read and written through ``TapeReader`` and ``TapeWriter``.
public final class Database {
    let handle: OpaquePointer

    /// Opens `path`. `create` adds SQLITE_OPEN_CREATE; `readOnly` opens with SQLITE_OPEN_READONLY.
    public init(path: String, create: Bool, readOnly: Bool = false) throws(SQLiteError) {
        var flags = readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE
        if create { flags |= SQLITE_OPEN_CREATE }
        flags |= SQLITE_OPEN_NOMUTEX
        var db: OpaquePointer?
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            // "Whether or not an error occurs when it is opened, resources associated with the
            // database connection handle should be released by passing it to sqlite3_close()."
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close_v2(db)
            throw SQLiteError(code: rc, message: message, sql: nil)
        }
        handle = db
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, 5000)
    }

    deinit { sqlite3_close_v2(handle) }

    /// Runs one or more statements that return no rows.
    public func execute(_ sql: String) throws(SQLiteError) {
        var errmsg: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &errmsg)
        if rc != SQLITE_OK {
            let message = errmsg.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(errmsg)
            throw SQLiteError(code: rc, message: message, sql: sql)
        }
    }

    /// Compiles one statement (`sqlite3_prepare_v2`), to bind and step many times.
    public func prepare(_ sql: String) throws(SQLiteError) -> Statement {
        try Statement(database: self, sql: sql)
    }

    /// The first column of the first row as an integer, or nil when there is no row or it is NULL.
    func scalarInt(_ sql: String) throws(SQLiteError) -> Int64? {
        let statement = try prepare(sql)
        guard try statement.step() else { return nil }
        return statement.isNull(0) ? nil : statement.int64(0)
    }

    func error(_ rc: Int32, sql: String?) -> SQLiteError {
        SQLiteError(code: rc, message: String(cString: sqlite3_errmsg(handle)), sql: sql)
    }
}

@available(*, unavailable)
extension Database: Sendable {}

/// A prepared statement. Finalized in `deinit`; binds that fail are programming errors.
public final class Statement {
    let handle: OpaquePointer
    let sql: String
    unowned let database: Database

    init(database: Database, sql: String) throws(SQLiteError) {
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v2(database.handle, sql, -1, &stmt, nil)
        guard rc == SQLITE_OK, let stmt else { throw database.error(rc, sql: sql) }
        self.handle = stmt
        self.sql = sql
        self.database = database
    }

    deinit { sqlite3_finalize(handle) }

    /// Steps once: true when a row is available, false when done.
    @discardableResult
    public func step() throws(SQLiteError) -> Bool {
        let rc = sqlite3_step(handle)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        throw database.error(rc, sql: sql)
    }

    /// Resets for re-execution and clears bindings.
    public func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    /// Resets for re-execution keeping the bindings: for hot statements that bind every
    /// parameter on every execution anyway.
    func rewind() { sqlite3_reset(handle) }

    /// Binds an integer to the 1-based parameter `index`.
    public func bind(_ index: Int32, _ value: Int64) { sqlite3_bind_int64(handle, index, value) }
    func bind(_ index: Int32, _ value: Int64?) {
        if let value { sqlite3_bind_int64(handle, index, value) } else { sqlite3_bind_null(handle, index) }
    }
    func bind(_ index: Int32, _ value: String?) {
        if let value {
            sqlite3_bind_text(handle, index, value, -1, csqlite_transient())
        } else {
            sqlite3_bind_null(handle, index)
        }
    }
    /// Binds a copy of `blob` to the 1-based parameter `index` (an empty one stays a BLOB).
    public func bind(_ index: Int32, blob: UnsafeRawBufferPointer) {
        // A zero-length blob must still be a BLOB, not NULL: bind_zeroblob keeps the type.
        if blob.isEmpty {
            sqlite3_bind_zeroblob(handle, index, 0)
        } else {
            sqlite3_bind_blob(handle, index, blob.baseAddress, Int32(blob.count), csqlite_transient())
        }
    }

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }
    /// The 0-based `column` of the current row as an integer.
    public func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }
    func optionalInt64(_ column: Int32) -> Int64? { isNull(column) ? nil : int64(column) }
    func double(_ column: Int32) -> Double { sqlite3_column_double(handle, column) }
    func string(_ column: Int32) -> String? {
        guard let text = sqlite3_column_text(handle, column) else { return nil }
        return String(cString: text)
    }
    /// The 0-based `column` of the current row as a blob's bytes, valid until the next step,
    /// reset or finalize (no copy: for measurements that read blocks as the reader does).
    public func blob(_ column: Int32) -> UnsafeRawBufferPointer {
        let count = Int(sqlite3_column_bytes(handle, column))
        guard let base = sqlite3_column_blob(handle, column), count > 0 else {
            return UnsafeRawBufferPointer(start: nil, count: 0)
        }
        return UnsafeRawBufferPointer(start: base, count: count)
    }
}

@available(*, unavailable)
extension Statement: Sendable {}
