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
                == "expectations line 4: expected 'NAME = COUNT' (or <=, >=), got 'oops'"
        )
        #expect(throws: ExpectationError.duplicateName(line: 2, name: "x")) {
            try Expectations(parsing: "x <= 3\nx <= 4\n")
        }
        #expect(throws: ExpectationError.duplicateName(line: 2, name: "x")) {
            try Expectations(parsing: "x = 3\nx >= 1\n")
        }
        #expect(throws: ExpectationError.runOptionsAfterCounts(line: 2)) {
            try Expectations(parsing: "x = 3\nspeed: 1\n")
        }
        #expect(throws: ExpectationError.badSpeed(line: 1, text: "0")) { try Expectations(parsing: "speed: 0\n") }
        #expect(throws: ExpectationError.badConsumer(line: 1, reason: "consumer spec: 'name' is required")) {
            try Expectations(parsing: "consumer: capacity=3\n")
        }
    }

    @Test func boundsParseRenderAndCompare() throws {
        let text = """
            consumer: name=gui,capacity=8
            speed: 1
            findings.duplicate >= 1
            findings.duplicate <= 5
            consumer.gui.lag_p99_ms <= 200
            rules.accepted = 7

            """
        let parsed = try Expectations(parsing: text)
        #expect(parsed.consumers == ["name=gui,capacity=8"])
        #expect(parsed.speed == "1")
        #expect(parsed.sections.count == 1)
        #expect(parsed.sections[0].expectations(of: "findings.duplicate").map(\.comparison) == [.atLeast, .atMost])
        #expect(parsed.sections[0]["findings.duplicate"] == nil)
        #expect(
            parsed.rendered()
                == "# ticktape check expectations, format 1\n# one count per line; `ticktape check --update-expect` rewrites this file\n"
                + text
        )
        let within = try Expectations(
            parsing: "findings.duplicate = 3\nconsumer.gui.lag_p99_ms = 200\nrules.accepted = 7\n"
        )
        #expect(parsed.differences(from: within).isEmpty)
        let outside = try Expectations(
            parsing: "findings.duplicate = 0\nconsumer.gui.lag_p99_ms = 321\nrules.accepted = 7\n"
        )
        #expect(
            parsed.differences(from: outside) == [
                "findings.duplicate >= 1: got 0, 1 under the bound",
                "consumer.gui.lag_p99_ms <= 200: got 321, 121 over the bound",
            ]
        )
        let missing = try Expectations(parsing: "rules.accepted = 7\n")
        #expect(parsed.differences(from: missing).contains("consumer.gui.lag_p99_ms <= 200: got nothing"))
    }

    @Test func measuresAreComparedOnlyWhenTheFileNamesThem() throws {
        let report = CheckReport(tapes: [try checkReconnect()])
        let measured = Expectations(measuring: report)
        let names = measured.sections[0].counts.map(\.name)
        for name in [
            "session.epochs", "consumer.all.lag_p99_ms", "consumer.all.max_depth", "consumer.all.drops_per_min",
        ] {
            #expect(names.contains(name), "\(name)")
            #expect(Expectations.isMeasure(name))
        }
        #expect(!Expectations.isMeasure("consumer.all.delivered"))
        #expect(!Expectations(report).sections[0].counts.contains { Expectations.isMeasure($0.name) })
        // A file written by --update-expect names no measure and still matches.
        #expect(report.differences(from: Expectations(report)).isEmpty)
        let epochs = try #require(measured.sections[0]["session.epochs"])
        #expect(epochs > 1)
        let bounded = try Expectations(parsing: "session.epochs >= \(epochs + 1)\n")
        #expect(
            report.differences(from: bounded).first
                == "session.epochs >= \(epochs + 1): got \(epochs), 1 under the bound"
        )
    }

    @Test func updateKeepsBoundsAndRunOptionsAndRewritesExactCounts() throws {
        let report = CheckReport(tapes: [try checkReconnect()])
        let actual = Expectations(measuring: report)
        let accepted = try #require(actual.sections[0]["rules.accepted"])
        let old = try Expectations(
            parsing: """
                consumer: name=all
                speed: max
                rules.accepted = 99999
                findings.duplicate >= 1
                consumer.all.max_depth = 12345
                consumer.all.lag_p99_ms <= 200
                consumer.gone.delivered = 4

                """
        )
        let updated = old.updated(with: actual)
        #expect(updated.consumers == ["name=all"])
        #expect(updated.speed == "max")
        let section = updated.sections[0]
        #expect(section["rules.accepted"] == accepted)
        #expect(
            section.expectations(of: "findings.duplicate") == [
                .init(name: "findings.duplicate", value: 1, comparison: .atLeast)
            ]
        )
        #expect(section["consumer.all.max_depth"] == actual.sections[0]["consumer.all.max_depth"])
        #expect(section.expectations(of: "consumer.all.lag_p99_ms").first?.comparison == .atMost)
        #expect(section.expectations(of: "consumer.gone.delivered").isEmpty)
        // Every count the run has is in the file, bounds in the place of their exact counts.
        let exact = Expectations(report).sections[0].counts.map(\.name)
        let names = section.counts.map(\.name)
        #expect(Array(names.prefix(exact.count)) == exact)
        #expect(report.differences(from: updated).isEmpty)
    }

    @Test func blankLinesCommentsAndSpacingAreTolerated() throws {
        let parsed = try Expectations(parsing: "\n# c\n  findings.gap=3  \r\n\n")
        #expect(parsed.sections.first?["findings.gap"] == 3)
    }

    @Test func commentsAtTheHeadAndAboveALineSurviveAnUpdate() throws {
        let report = CheckReport(tapes: [try checkReconnect()])
        let text = """
            # ticktape check expectations, format 1
            # one count per line; `ticktape check --update-expect` rewrites this file
            # the reconnect sample: one duplicate at least
            consumer: name=all
            # a duplicate must be found
            findings.duplicate >= 1
            # the rules keep seven
            rules.accepted = 99

            """
        let old = try Expectations(parsing: text)
        #expect(old.comments == ["# the reconnect sample: one duplicate at least"])
        #expect(
            old.sections[0].counts.map(\.comments) == [["# a duplicate must be found"], ["# the rules keep seven"]]
        )
        let updated = old.updated(with: Expectations(measuring: report))
        let written = updated.rendered()
        #expect(written.hasPrefix(text.split(separator: "\n").prefix(4).joined(separator: "\n") + "\n"))
        #expect(written.contains("\n# a duplicate must be found\nfindings.duplicate >= 1\n"))
        #expect(written.contains("\n# the rules keep seven\nrules.accepted = 7\n"))
        #expect(try Expectations(parsing: written) == updated)
        #expect(report.differences(from: updated).isEmpty)
    }
}
