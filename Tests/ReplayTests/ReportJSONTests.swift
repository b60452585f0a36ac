import Foundation
import Replay
import Reports
import Rules
import Testing

@Suite("The JSON report", .timeLimit(.minutes(3)))
struct ReportJSONTests {
    static let schema = reportRepositoryRoot.appendingPathComponent("Schemas/check-report.schema.json").path

    /// Validates with python's `jsonschema` (CI installs it with `pip install jsonschema`).
    private func validate(_ json: String) async throws -> (status: Int32, output: String) {
        let path = try reportTemporaryFile(json, suffix: ".json")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let script = """
            import json, sys, jsonschema
            schema = json.load(open(sys.argv[1]))
            jsonschema.Draft202012Validator.check_schema(schema)
            jsonschema.Draft202012Validator(schema).validate(json.load(open(sys.argv[2])))
            print("valid")
            """
        return try #require(await reportPython(["-c", script, Self.schema, path]))
    }

    @Test(.enabled("python3 is absent: the schema cannot be checked here") { await reportPythonCheck.value })
    func theReportValidatesAgainstItsSchema() async throws {
        let result = try await validate(try reportSample().json())
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("valid"))
    }

    @Test(.enabled("python3 is absent: the schema cannot be checked here") { await reportPythonCheck.value })
    func theSchemaRejectsAnUnknownField() async throws {
        let json = try reportSample().json().replacingOccurrences(
            of: "\"format\": \"ticktape-check-report\",",
            with: "\"format\": \"ticktape-check-report\", \"extra\": 1,"
        )
        let result = try await validate(json)
        #expect(result.status != 0)
        #expect(result.output.contains("Additional properties are not allowed"))
    }

    @Test func theSameRunGivesTheSameBytes() throws {
        let first = try reportSample().json()
        let second = try reportSample().json()
        #expect(first == second)
        #expect(first.hasSuffix("}\n"))
    }

    @Test func theVerdictCountsAndWitnessesAreThere() throws {
        let json = try reportSample().json()
        let object = try #require(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["verdict"] as? String == "fail")
        let tapes = try #require(object["tapes"] as? [[String: Any]])
        #expect(tapes.map { $0["verdict"] as? String } == ["fail", "pass", "unknown"])
        let counts = try #require(tapes[0]["violation_counts"] as? [String: Int])
        #expect(counts["C1"] == 2)
        #expect(counts["I3"] == 1)
        let violations = try #require(tapes[0]["violations"] as? [[String: Any]])
        let c1 = try #require(violations.first { $0["class"] as? String == "C1" })
        let deliveries = try #require(c1["deliveries"] as? [[String: Any]])
        #expect(deliveries.map { "(\($0["epoch"]!), \($0["seq"]!))" } == ["(1, 5)", "(2, 2)"])
        let run = try #require(tapes[0]["run"] as? [String: Any])
        #expect(run["seed"] as? String == "42")
        let consumers = try #require(tapes[0]["consumers"] as? [[String: Any]])
        #expect(consumers.compactMap { ($0["digest"] as? String)?.count } == [64, 64])
        #expect(tapes[2]["rules"] is NSNull)
    }
}
