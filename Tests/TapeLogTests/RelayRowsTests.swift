import CSQLite
import Foundation
import Testing
import TicktapeTestSupport
import Upbit

@testable import TapeLog

/// The relay tables: created with a relay tape, written in order with the frames, read back,
/// append-only, and absent from every other tape.
@Suite struct RelayRowsTests {
    @Test func schemaFileIsExactlyWhatTheRelayApplies() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Schemas/relay.sql").standardized
        let dir = temporaryDirectory()
        var options = WriterOptions()
        options.relayRules = "dedup_window_ms=60000,disabled="
        let writer = try TapeWriter(
            path: dir + "/r.tape",
            session: SessionInfo(toolVersion: "t", url: "ws://x", startedNs: 0),
            profile: UpbitProfile(),
            options: options
        )
        try writer.close()
        // The tables sqlite3 reports are exactly the file's CREATE statements.
        let file = try String(contentsOf: url, encoding: .utf8)
        #expect(file == RelaySchema.sql + "\n")
        let created = try sqlite(
            dir + "/r.tape",
            "SELECT sql FROM sqlite_master WHERE name LIKE 'relay_%' ORDER BY name"
        )
        for statement in created { #expect(file.contains(statement), "\(statement.prefix(60))") }
        #expect(created.count == 9, "3 tables and 6 triggers")
    }

    @Test func rowsAreCommittedWithTheFramesAndReadBackInOrder() throws {
        let dir = temporaryDirectory()
        var options = WriterOptions()
        options.relayRules = "dedup_window_ms=1000,disabled=R3"
        let path = dir + "/r.tape"
        let writer = try TapeWriter(
            path: path,
            session: SessionInfo(toolVersion: "t", url: "ws://x", startedNs: 0),
            profile: UpbitProfile(),
            options: options
        )
        var stamper = Stamper()
        try writer.record(stamper.connect(wallNs: 1, monoNs: 1))
        let open = RelayEventRecord(
            consumer: 1,
            kind: "open",
            epoch: 0,
            afterSeq: 0,
            wallNs: 2,
            monoNs: 2,
            spec: "name=c1",
            request: nil,
            detail: "127.0.0.1:5000"
        )
        try writer.record(relay: .event(open))
        try writer.append(
            stamper.frame(.inbound, opcode: .binary, wallNs: 3, monoNs: 3, payload: Array(#"{"type":"ticker"}"#.utf8))
        )
        let mark = RelayMarkRecord(
            consumer: 1,
            fromOp: 0,
            toOp: 7,
            marks: [1, 2, 3, 0],
            delivered: 5,
            dropped: 1,
            coalesced: 0,
            depth: 1,
            digest: "ab"
        )
        try writer.record(relay: .mark(mark))
        try writer.close()

        let journal = try #require(try TapeReader(path: path).relayJournal())
        #expect(journal.rules == "dedup_window_ms=1000,disabled=R3")
        #expect(journal.events == [open])
        #expect(journal.marks == [mark])
        #expect(try sqlite(path, "PRAGMA integrity_check") == ["ok"])
        #expect(throws: (any Error).self) { try sqlite(path, "DELETE FROM relay_mark") }
        #expect(throws: (any Error).self) { try sqlite(path, "UPDATE relay_event SET kind = 'close'") }
    }

    @Test func aTapeNotRecordedByARelayHasNoJournal() throws {
        let dir = temporaryDirectory()
        let writer = try TapeWriter(
            path: dir + "/plain.tape",
            session: SessionInfo(toolVersion: "t", url: "ws://x", startedNs: 0),
            profile: UpbitProfile()
        )
        try writer.close()
        #expect(try TapeReader(path: dir + "/plain.tape").relayJournal() == nil)
    }

    /// Runs `sql` with the C API; returns the first column of each row, throws on an error.
    private func sqlite(_ path: String, _ sql: String) throws -> [String] {
        struct SQLError: Error { var message: String }
        var db: OpaquePointer?
        guard sqlite3_open(path, &db) == SQLITE_OK else { throw SQLError(message: "open") }
        defer { sqlite3_close(db) }
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK else {
            throw SQLError(message: String(cString: sqlite3_errmsg(db)))
        }
        defer { sqlite3_finalize(statement) }
        var rows: [String] = []
        while true {
            let step = sqlite3_step(statement)
            if step == SQLITE_DONE { break }
            guard step == SQLITE_ROW else { throw SQLError(message: String(cString: sqlite3_errmsg(db))) }
            rows.append(sqlite3_column_text(statement, 0).map { String(cString: $0) } ?? "")
        }
        return rows
    }
}
