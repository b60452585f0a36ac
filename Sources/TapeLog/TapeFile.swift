import CSQLite
import Foundation

/// Opening and classifying files that claim to be tapes.
enum TapeFile {
    /// Opens `path` as a tape: exists, is a file, is SQLite, has our application_id and a
    /// format we read. Opened read-write (never written by readers) so that a WAL left by a
    /// crashed writer is recovered; read-only when the file is not writable. Returns the
    /// connection and the tape's format version.
    static func open(_ path: String) throws(TapeError) -> (db: Database, format: Int64) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw TapeError.missing(path: path)
        }
        if isDirectory.boolValue { throw TapeError.isDirectory(path: path) }
        // "Every valid SQLite database file begins with the following 16 bytes (in hex):
        // 53 51 4c 69 74 65 20 66 6f 72 6d 61 74 20 33 00" (sqlite.org/fileformat.html).
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw TapeError.io(path: path, reason: "cannot read")
        }
        let header = (try? handle.read(upToCount: 100)) ?? Data()
        try? handle.close()
        guard header.count == 100, header.prefix(16) == Data("SQLite format 3\0".utf8) else {
            throw TapeError.notSQLite(path: path, reason: header.isEmpty ? "empty file" : "no SQLite header")
        }
        let db: Database
        let version: Int64
        do {
            if let writable = try? Database(path: path, create: false) {
                db = writable
            } else {
                db = try Database(path: path, create: false, readOnly: true)
            }
        } catch {
            throw TapeError.notSQLite(path: path, reason: error.message)
        }
        do {
            let applicationID = try db.scalarInt("PRAGMA application_id") ?? 0
            if applicationID == 0, try db.scalarInt("SELECT count(*) FROM sqlite_master") == 0 {
                // What a writer stopped between creating the file and its first commit leaves.
                throw TapeError.corrupt(
                    path: path,
                    reason: "an empty SQLite file: the recording stopped before the tape was initialised; "
                        + "nothing was recorded"
                )
            }
            guard applicationID == TapeFormat.applicationID else { throw TapeError.foreign(path: path) }
            version = try db.scalarInt("PRAGMA user_version") ?? 0
            guard version <= TapeFormat.version else {
                throw TapeError.newerVersion(path: path, found: version, supported: TapeFormat.version)
            }
            guard version >= 1 else { throw TapeError.foreign(path: path) }
            let tables = try db.scalarInt(
                """
                SELECT count(*) FROM sqlite_master
                WHERE type = 'table' AND name IN ('session', 'event', 'block', 'frame', 'stream', 'frame_facts')
                """
            )
            guard tables == 6 else { throw TapeError.corrupt(path: path, reason: "tables are missing") }
            if version >= TapeFormat.checksumVersion {
                let crcColumn = try db.scalarInt("SELECT count(*) FROM pragma_table_info('block') WHERE name = 'crc32'")
                guard crcColumn == 1 else {
                    throw TapeError.corrupt(path: path, reason: "format \(version) but block has no crc32 column")
                }
            }
        } catch let error as TapeError {
            throw error
        } catch {
            throw classify(error, path: path)
        }
        return (db, version)
    }

    /// Maps an SQLite failure while reading to bad input (damaged file) or a runtime failure.
    static func classify(_ error: any Error, path: String) -> TapeError {
        guard let error = error as? SQLiteError else { return .io(path: path, reason: "\(error)") }
        switch error.code & 0xFF {
        case SQLITE_CORRUPT, SQLITE_NOTADB: return .corrupt(path: path, reason: error.message)
        case SQLITE_IOERR where error.code == 522:  // SQLITE_IOERR_SHORT_READ
            return .corrupt(path: path, reason: "truncated (\(error.message))")
        default: return .io(path: path, reason: error.description)
        }
    }
}
