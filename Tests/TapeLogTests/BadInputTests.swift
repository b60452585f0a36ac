import Foundation
import Testing
import TicktapeTestSupport

@testable import TapeLog

@Suite struct BadInputTests {
    private func open(_ path: String) -> TapeError? {
        do {
            _ = try TapeVerifier.verify(try TapeReader(path: path))
            return nil
        } catch {
            return error
        }
    }

    @Test func missingPathAndDirectoryAreNamed() {
        let dir = temporaryDirectory()
        #expect(open(dir + "/nope.tape") == .missing(path: dir + "/nope.tape"))
        #expect(open(dir) == .isDirectory(path: dir))
    }

    @Test func randomBytesAndEmptyFilesAreNotTapes() throws {
        let dir = temporaryDirectory()
        var random = TestRandom(state: 9)
        _ = FileManager.default.createFile(atPath: dir + "/r", contents: Data(random.bytes(5000)))
        _ = FileManager.default.createFile(atPath: dir + "/e", contents: Data())
        guard case .notSQLite = open(dir + "/r") else {
            Issue.record("random bytes accepted")
            return
        }
        guard case .notSQLite = open(dir + "/e") else {
            Issue.record("empty file accepted")
            return
        }
        #expect(open(dir + "/r")?.isBadInput == true)
    }

    @Test("a tape whose writer died before its first commit is named as such, not as foreign")
    func uninitialisedTapeIsNotCalledForeign() throws {
        let dir = temporaryDirectory()
        // What TapeStore leaves when killed after setting WAL mode and before the schema commit.
        _ = try sqlite3(dir + "/bare.tape", "PRAGMA journal_mode=WAL;")
        guard case .corrupt(_, let reason) = open(dir + "/bare.tape") else {
            Issue.record("not reported as uninitialised: \(String(describing: open(dir + "/bare.tape")))")
            return
        }
        #expect(reason.contains("before the tape was initialised"))
        #expect(open(dir + "/bare.tape")?.isBadInput == true)
    }

    @Test func foreignSQLiteAndNewerVersionsAreRefused() throws {
        let dir = temporaryDirectory()
        _ = try sqlite3(dir + "/foreign.db", "CREATE TABLE t(x); INSERT INTO t VALUES (1);")
        #expect(open(dir + "/foreign.db") == .foreign(path: dir + "/foreign.db"))
        try writeSampleTape(at: dir + "/new.tape", epochs: 1, framesPerEpoch: 3)
        _ = try sqlite3(dir + "/new.tape", "PRAGMA user_version = 9")
        #expect(open(dir + "/new.tape") == .newerVersion(path: dir + "/new.tape", found: 9, supported: 2))
    }

    @Test func truncatedTapesAreReportedNotCrashedOn() throws {
        let dir = temporaryDirectory()
        try writeSampleTape(at: dir + "/t.tape", epochs: 3, framesPerEpoch: 400)
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/t.tape"))
        for fraction in [0.05, 0.3, 0.5, 0.9] {
            let path = dir + "/cut-\(fraction).tape"
            _ = FileManager.default.createFile(atPath: path, contents: data.prefix(Int(Double(data.count) * fraction)))
            // Either refused with a clear error, or opened and reported inconsistent; never a trap.
            do {
                let report = try TapeVerifier.verify(try TapeReader(path: path))
                #expect(!report.consistent, "a tape cut at \(fraction) cannot be consistent")
            } catch {
                #expect(error.isBadInput, "\(error)")
            }
        }
    }

    @Test func aHoleMadeBehindTheWritersBackIsFound() throws {
        let dir = temporaryDirectory()
        let path = dir + "/t.tape"
        try writeSampleTape(at: path, epochs: 2, framesPerEpoch: 30)
        let sql = "DROP TRIGGER frame_append_only_delete; DELETE FROM frame WHERE epoch = 2 AND seq = 7;"
        let (status, output) = try sqlite3(path, sql)
        try #require(status == 0, "sqlite3 failed: \(output)")
        let report = try TapeVerifier.verify(try TapeReader(path: path))
        #expect(report.problems.contains { $0.hasPrefix("I1 seq hole in epoch 2: 7") })
    }
}
