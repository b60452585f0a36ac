import Replay
import Rules
import Testing

@Suite("Expectation files for --expect and --update-expect")
struct CheckExpectationTests {
    @Test func writtenTwiceTheFileIsByteIdenticalAndReadsBackEqual() throws {
        let first = Expectations(CheckReport(tapes: [try checkReconnect()])).rendered()
        let second = Expectations(CheckReport(tapes: [try checkReconnect()])).rendered()
        #expect(first == second)
        let parsed = try Expectations(parsing: first)
        #expect(parsed == Expectations(CheckReport(tapes: [try checkReconnect()])))
        #expect(parsed.rendered() == first)
    }

    @Test func aSingleTapeFileHoldsFindingsRulesAndConsumerCounts() throws {
        let text = Expectations(CheckReport(tapes: [try checkReconnect()])).rendered()
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.first == "# ticktape check expectations, format 1")
        #expect(!lines.contains { $0.hasPrefix("[") })
        for line in [
            "violations.C1 = 0", "violations.I4 = 0", "findings.duplicate = 1", "findings.before_snapshot = 1",
            "findings.gap = 0", "rules.accepted = 7", "rules.discarded = 2", "consumer.all.delivered = 7",
            "consumer.all.dropped = 0", "consumer.all.coalesced = 0",
        ] {
            #expect(lines.contains(line), "\(line)")
        }
    }

    @Test func theDiffHasOneLinePerDifferingCount() throws {
        let expected = Expectations(CheckReport(tapes: [try checkReconnect()]))
        let actual = CheckReport(tapes: [try checkReconnect(disabled: [.r3])])
        #expect(
            actual.differences(from: expected) == [
                "violations.C1: expected 0, got 1",
                "findings.duplicate: expected 1, got 0",
                "rules.accepted: expected 7, got 8",
                "rules.discarded: expected 2, got 1",
                "consumer.all.delivered: expected 7, got 8",
            ]
        )
        #expect(CheckReport(tapes: [try checkReconnect()]).differences(from: expected).isEmpty)
    }

    @Test func countsMissingOnEitherSideAreDifferences() throws {
        let expected = try Expectations(parsing: "findings.duplicate = 1\nconsumer.gone.delivered = 5\n")
        let actual = try Expectations(parsing: "findings.duplicate = 1\nconsumer.new.delivered = 4\n")
        #expect(
            expected.differences(from: actual) == [
                "consumer.gone.delivered: expected 5, got nothing",
                "consumer.new.delivered: expected nothing, got 4",
            ]
        )
    }

    @Test func severalTapesGetOneSectionEachNamedByFileName() throws {
        var passing = try checkReconnect()
        passing.tape = "fixtures/a.tape"
        var failing = try checkReconnect(disabled: [.r4])
        failing.tape = "fixtures/b.tape"
        let report = CheckReport(tapes: [passing, failing])
        let text = Expectations(report).rendered()
        #expect(text.contains("\n[a.tape]\nviolations.C1 = 0\n"))
        #expect(text.contains("\n[b.tape]\n"))
        let expected = try Expectations(parsing: text)
        #expect(report.differences(from: expected).isEmpty)
        failing.tape = "other/b.tape"
        var swapped = try checkReconnect()
        swapped.tape = "fixtures/b.tape"
        let diff = CheckReport(tapes: [passing, swapped]).differences(from: expected)
        #expect(diff.contains("b.tape: violations.C4: expected 1, got 0"))
        #expect(diff.allSatisfy { $0.hasPrefix("b.tape: ") })
    }

    @Test func tapesSharingAFileNameAreNamedInFull() throws {
        var first = try checkReconnect()
        first.tape = "x/s.tape"
        var second = try checkReconnect()
        second.tape = "y/s.tape"
        let text = Expectations(CheckReport(tapes: [first, second])).rendered()
        #expect(text.contains("[x/s.tape]"))
        #expect(text.contains("[y/s.tape]"))
    }

    @Test func missingAndUnexpectedTapesAreReported() throws {
        let expected = try Expectations(parsing: "[a.tape]\nfindings.gap = 0\n[c.tape]\nfindings.gap = 0\n")
        var tape = try checkReconnect()
        tape.tape = "a.tape"
        var other = try checkReconnect()
        other.tape = "d.tape"
        let diff = CheckReport(tapes: [tape, other]).differences(from: expected)
        #expect(diff.contains("c.tape: expected but not checked"))
        #expect(diff.contains("d.tape: checked but has no expectations"))
        #expect(diff.contains("a.tape: findings.duplicate: expected nothing, got 1"))
    }

    @Test func malformedFilesAreRejectedWithTheLineNumber() {
        #expect(throws: ExpectationError.badLine(line: 2, text: "findings.gap = many")) {
            try Expectations(parsing: "# comment\nfindings.gap = many\n")
        }
        #expect(throws: ExpectationError.duplicateName(line: 2, name: "findings.gap")) {
            try Expectations(parsing: "findings.gap = 1\nfindings.gap = 2\n")
        }
        #expect(throws: ExpectationError.countsOutsideSection(line: 2)) {
            try Expectations(parsing: "findings.gap = 1\n[a.tape]\n")
        }
        #expect(throws: ExpectationError.duplicateSection(line: 3, tape: "a")) {
            try Expectations(parsing: "[a]\nx = 1\n[a]\n")
        }
        #expect(
            ExpectationError.badLine(line: 4, text: "oops").description
                == "expectations line 4: expected 'NAME = COUNT', got 'oops'"
        )
    }

    @Test func blankLinesCommentsAndSpacingAreTolerated() throws {
        let parsed = try Expectations(parsing: "\n# c\n  findings.gap=3  \r\n\n")
        #expect(parsed.sections.first?["findings.gap"] == 3)
    }
}
