import Foundation
import XCTest
@testable import SdetkitCore
@testable import SdetkitReports

/// Validates real output against docs/schemas/dashboard.schema.json with python3 + jsonschema.
/// Fails (never skips) when either is missing: install with `pip install jsonschema` or `apt-get install python3-jsonschema`.
final class SchemaTests: XCTestCase {
    static let validator = """
    import json, sys
    try:
        import jsonschema
    except ImportError:
        print("python3 module 'jsonschema' is missing: pip install jsonschema (or apt-get install python3-jsonschema)")
        sys.exit(3)
    schema = json.load(open(sys.argv[1]))
    jsonschema.Draft202012Validator.check_schema(schema)
    v = jsonschema.Draft202012Validator(schema)
    bad = 0
    for path in sys.argv[2:]:
        for e in v.iter_errors(json.load(open(path))):
            bad += 1
            print(path.rsplit('/', 1)[-1] + ": " + "/".join(str(p) for p in e.absolute_path) + ": " + e.message[:300])
    sys.exit(1 if bad else 0)
    """

    func testRealOutputValidatesAgainstTheSchema() throws {
        guard let python = which("python3") else { return XCTFail("python3 is required for the schema test (apt-get install python3)") }
        let schema = repositoryRoot + "/docs/schemas/dashboard.schema.json"
        XCTAssertTrue(FileManager.default.fileExists(atPath: schema), schema)
        let dir = "/tmp/sdetkit-reports-schema-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileSystem.createDirectories(dir)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var files: [String] = []
        let standard = try FixtureHistory.standard()
        let empty = try FixtureHistory(name: "schema-empty")
        let cases: [(String, FixtureHistory, DashboardOptions)] = [
            ("standard", standard, DashboardOptions()),
            ("filtered", standard, DashboardOptions(filter: try DashboardFilter.parse(since: "2023-11-15", until: "2023-11-16",
                                                                                     template: "flip", status: "failed"))),
            ("empty", empty, DashboardOptions()),
        ]
        for (name, h, options) in cases {
            let path = "\(dir)/\(name).json"
            try FileSystem.writeAtomically(try h.render(.json, options), to: path)
            files.append(path)
        }
        let script = "\(dir)/validate.py"
        try FileSystem.writeAtomically(Self.validator, to: script)
        let (status, out, err) = try runProcess(python, [script, schema] + files)
        XCTAssertEqual(status, 0, "schema validation failed:\n\(out)\(err)")
    }

    func testTheSchemaRejectsADocumentThatBreaksIt() throws {
        guard let python = which("python3") else { return XCTFail("python3 is required for the schema test") }
        let schema = repositoryRoot + "/docs/schemas/dashboard.schema.json"
        let dir = "/tmp/sdetkit-reports-schema-neg-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileSystem.createDirectories(dir)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var doc = try JSONParser.parse(bytes: try FixtureHistory.standard().render(.json))
        if case .object(var o) = doc, case .object(var runs)? = o["runs"] {
            runs["success_rate"] = 1.5
            o["runs"] = .object(runs)
            doc = .object(o)
        }
        try FileSystem.writeAtomically(doc.prettyPrinted(), to: "\(dir)/bad.json")
        try FileSystem.writeAtomically(Self.validator, to: "\(dir)/validate.py")
        let (status, out, _) = try runProcess(python, ["\(dir)/validate.py", schema, "\(dir)/bad.json"])
        XCTAssertEqual(status, 1, out)
        XCTAssertTrue(out.contains("runs/success_rate"), out)
    }
}
