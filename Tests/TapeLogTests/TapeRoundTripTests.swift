import Foundation
import Testing
import TicktapeTestSupport
import Upbit

@testable import TapeLog

@Suite struct TapeRoundTripTests {
    @Test func schemaFileIsExactlyWhatTheWriterApplies() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Schemas/tape.sql").standardized
        let file = try String(contentsOf: url, encoding: .utf8)
        #expect(file == TapeSchema.sql + "\n")
    }

    @Test func framesAndEventsReadBackExactlyInSessionOrder() throws {
        let dir = temporaryDirectory()
        let path = dir + "/t.tape"
        let written = try writeSampleTape(
            at: path,
            options: {
                var o = WriterOptions()
                o.blockBytes = 4096
                return o
            }()
        )
        let reader = try TapeReader(path: path)
        let read = try reader.allEntries()
        #expect(read.count == written.count)
        for (a, b) in zip(read, written) {
            switch (a, b) {
            case (.frame(let x), .frame(let y)): #expect(x.record == y.record)
            case (.event(let x), .event(let y)): #expect(x == y)
            default: Issue.record("entry kinds differ: \(a) vs \(b)")
            }
        }
        #expect(reader.session.url == "ws://127.0.0.1:1/websocket/v1", "userinfo and query never enter the tape")
    }

    @Test func newTapeIsPrivateAndIsNeverOverwritten() throws {
        let dir = temporaryDirectory()
        let path = dir + "/t.tape"
        try writeSampleTape(at: path, epochs: 1, framesPerEpoch: 5)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(throws: TapeError.exists(path: path)) {
            _ = try TapeWriter(
                path: path,
                session: SessionInfo(toolVersion: "t", url: "ws://x", startedNs: 0),
                profile: UpbitProfile()
            )
        }
    }

    @Test func stockSQLiteSeesAnIntactTapeAndCannotRewriteIt() throws {
        let dir = temporaryDirectory()
        let path = dir + "/t.tape"
        try writeSampleTape(at: path, epochs: 2, framesPerEpoch: 50)
        #expect(try sqlite3(path, "PRAGMA integrity_check").1 == "ok\n")
        let update = try sqlite3(path, "UPDATE frame SET opcode = 2 WHERE epoch = 1 AND seq = 1")
        #expect(update.0 != 0 && update.1.contains("append-only"))
        let delete = try sqlite3(path, "DELETE FROM event")
        #expect(delete.0 != 0 && delete.1.contains("append-only"))
        #expect(try sqlite3(path, "SELECT count(*) FROM event").1 == "5\n")
    }

    @Test func writerRefusesHolesAndEpochSkips() throws {
        let dir = temporaryDirectory()
        let writer = try TapeWriter(
            path: dir + "/t.tape",
            session: SessionInfo(toolVersion: "t", url: "ws://x", startedNs: 0),
            profile: UpbitProfile()
        )
        #expect(throws: TapeError.self) {
            try writer.append(
                FrameRecord(epoch: 1, seq: 1, direction: .inbound, opcode: 2, recvNs: 0, monoNs: 0, payload: [])
            )
        }
        try writer.record(LifecycleRecord(kind: .connect, epoch: 1, afterSeq: 0, wallNs: 0, monoNs: 0))
        try writer.append(
            FrameRecord(epoch: 1, seq: 1, direction: .inbound, opcode: 2, recvNs: 0, monoNs: 0, payload: [1])
        )
        #expect(throws: TapeError.self) {
            try writer.append(
                FrameRecord(epoch: 1, seq: 3, direction: .inbound, opcode: 2, recvNs: 0, monoNs: 0, payload: [])
            )
        }
        #expect(throws: TapeError.self) {
            try writer.record(LifecycleRecord(kind: .connect, epoch: 3, afterSeq: 0, wallNs: 0, monoNs: 0))
        }
        try writer.record(
            LifecycleRecord(kind: .loss, epoch: 1, afterSeq: 1, wallNs: 0, monoNs: 0, count: 2, detail: "test")
        )
        try writer.append(
            FrameRecord(epoch: 1, seq: 4, direction: .inbound, opcode: 2, recvNs: 0, monoNs: 0, payload: [4])
        )
        try writer.close()
        let report = try TapeVerifier.verify(TapeReader(path: dir + "/t.tape"))
        #expect(report.problems.isEmpty, "a loss event explains the hole")
        #expect(report.framesLost == 2)
        #expect(report.tornTail)
    }

    @Test func filtersSelectEpochTimeAndCodes() throws {
        let dir = temporaryDirectory()
        let path = dir + "/t.tape"
        let written = try writeSampleTape(at: path)
        let reader = try TapeReader(path: path)
        let epoch2 = try reader.allEntries(TapeFilter(epoch: 2))
        let expected = written.filter {
            switch $0 {
            case .frame(let f): f.record.epoch == 2
            case .event(let e): e.epoch == 2
            }
        }
        #expect(epoch2.count == expected.count)
        let noPayloads = try reader.allEntries(payloads: false)
        #expect(noPayloads.count == written.count)
    }
}
