import Foundation
import SdetkitCore
import XCTest

@testable import SdetkitAudit

final class OutputTests: XCTestCase {
    /// A report with findings of every kind: governance, secrets, files, conflict markers, workflows.
    func richReport(profile: AuditProfile = .enterprise) -> AuditReport {
        var files: [String: [UInt8]] = [:]
        for (i, c) in SecretCases.all.enumerated() { files["src/f\(i).txt"] = Array(c.positive.utf8) }
        files["bin/tool.exe"] = [0x4D, 0x5A, 0]
        files["my dir/a|b.txt"] = Array((String(repeating: "<", count: 7) + " HEAD\n").utf8)
        files[".github/workflows/ci.yml"] = Array("on: push\npermissions: write-all\njobs:\n  b:\n    steps:\n      - uses: o/a@v1\n".utf8)
        files["README.md"] = Array("# x\n".utf8)
        return Auditor.run(AuditInput.inMemory(files), profile: profile)
    }

    func testJSONShape() {
        let r = richReport()
        let j = r.json
        XCTAssertEqual(j["schema"], "sdetkit.audit/v1")
        XCTAssertEqual(j["profile"], "enterprise")
        XCTAssertEqual(j["score"]?.doubleValue, r.score)
        XCTAssertEqual(j["summary"]?["total"]?.intValue, r.findings.count)
        XCTAssertEqual(j["summary"]?["critical"]?.intValue, r.findings.filter { $0.severity == .critical }.count)
        XCTAssertNotNil(j["summary"]?["files_scanned"]?.intValue)
        XCTAssertNotNil(j["summary"]?["bytes_scanned"]?.intValue)
        let first = j["findings"]?.arrayValue?.first?.objectValue ?? [:]
        XCTAssertEqual(Set(first.keys), ["rule_id", "severity", "path", "line", "message", "remediation", "fingerprint"])
    }

    func testFindingsAreSortedDeterministically() {
        let r = richReport()
        let sorted = r.findings.sorted(by: Finding.reportOrder)
        XCTAssertEqual(r.findings, sorted)
        XCTAssertEqual(r.findings.first?.severity, .critical)
        for (a, b) in zip(r.findings, r.findings.dropFirst()) { XCTAssertGreaterThanOrEqual(a.severity, b.severity) }
        XCTAssertEqual(richReport().json.canonicalString(), r.json.canonicalString())
    }

    func testMarkdownEscapesAndSummarises() {
        let md = richReport().markdown()
        XCTAssertTrue(md.contains("# sdetkit audit"))
        XCTAssertTrue(md.contains("| critical |"))
        XCTAssertTrue(md.contains("my dir/a\\|b.txt:1"), "pipes in paths are escaped")
        XCTAssertTrue(md.contains("&lt;&lt;&lt;"), "angle brackets are escaped")
        XCTAssertTrue(md.contains("## Remediation"))
        for line in md.split(separator: "\n") where line.hasPrefix("| ") {
            // Every table row keeps its column count: unescaped pipes would add columns.
            let cells = line.replacingOccurrences(of: "\\|", with: "").filter { $0 == "|" }.count
            XCTAssertTrue(cells == 3 || cells == 5, String(line))
        }
        let clean = audit([:]).markdown()
        XCTAssertTrue(clean.contains("No findings."))
        XCTAssertTrue(clean.contains("**Score: 10.0 / 10**"))
    }

    func testSarifStructure() {
        let r = richReport()
        let sarif = r.sarif()
        XCTAssertEqual(sarif["version"], "2.1.0")
        let run = sarif["runs"]?.arrayValue?.first
        let driver = run?["tool"]?["driver"]
        XCTAssertEqual(driver?["name"], "sdetkit")
        let rules = driver?["rules"]?.arrayValue ?? []
        XCTAssertEqual(rules.count, r.rules.count)
        let results = run?["results"]?.arrayValue ?? []
        XCTAssertEqual(results.count, r.findings.count)
        for (result, finding) in zip(results, r.findings) {
            let index = result["ruleIndex"]?.intValue ?? -1
            XCTAssertEqual(rules[index]["id"], result["ruleId"])
            XCTAssertEqual(result["partialFingerprints"]?["sdetkit/v1"]?.stringValue, finding.fingerprint)
            XCTAssertEqual(result["level"]?.stringValue, finding.severity.sarifLevel)
            let loc = result["locations"]?.arrayValue?.first?["physicalLocation"]
            XCTAssertEqual(loc?["artifactLocation"]?["uriBaseId"], "%SRCROOT%")
            if let line = finding.line { XCTAssertEqual(loc?["region"]?["startLine"]?.intValue, line) }
        }
        let secretRule = rules.first { $0["id"] == "secrets.aws-access-key-id" }
        XCTAssertEqual(secretRule?["properties"]?["security-severity"], "8.0")
        XCTAssertEqual(secretRule?["defaultConfiguration"]?["level"], "error")
        XCTAssertNil(rules.first { $0["id"] == "governance.missing-readme" }?["properties"]?["security-severity"])
        let spaced = results.first { $0["ruleId"] == "content.merge-conflict-marker" }
        XCTAssertEqual(spaced?["locations"]?.arrayValue?.first?["physicalLocation"]?["artifactLocation"]?["uri"],
                       "my%20dir/a%7Cb.txt")
    }

    /// Validates SARIF against the vendored OASIS SARIF 2.1.0 JSON schema with python3 + jsonschema.
    /// Fails (does not skip) when they are missing: CI installs them.
    func testSarifValidatesAgainstSchema() throws {
        guard let data = Bundle.module.url(forResource: "Data", withExtension: nil) else {
            return XCTFail("test resources missing")
        }
        let schema = data.appendingPathComponent("sarif-schema-2.1.0.json").path
        let dir = try makeTempDir("sarif")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var docs: [String] = []
        for (i, report) in [richReport(profile: .enterprise), richReport(profile: .default), audit([:])].enumerated() {
            let path = "\(dir)/report\(i).sarif"
            try Data(report.sarif().prettyPrinted().utf8).write(to: URL(fileURLWithPath: path))
            docs.append(path)
        }
        let script = """
            import json, sys
            import jsonschema
            schema = json.load(open(sys.argv[1]))
            v = jsonschema.Draft7Validator(schema)
            bad = 0
            for p in sys.argv[2:]:
                for e in v.iter_errors(json.load(open(p))):
                    bad += 1
                    print(p, list(e.absolute_path), e.message)
            print("validated", len(sys.argv) - 2)
            sys.exit(1 if bad else 0)
            """
        let (status, output) = try runProcess("/usr/bin/env", ["python3", "-c", script, schema] + docs)
        XCTAssertEqual(status, 0, "SARIF schema validation failed (python3 + jsonschema are required): \(output)")
        XCTAssertTrue(output.contains("validated 3"), output)
    }
}

final class BaselineTests: XCTestCase {
    func testBaselineFromJSONAndSarifKeepsOnlyNewFindings() throws {
        let akia = "AKIA" + Gen.string(16, Gen.upperDigits, seed: 70)
        let old = audit(["a.py": "KEY = '\(akia)'\n"], governance: false)
        let newKey = "ghp_" + Gen.string(36, Gen.alnum, seed: 71)
        let current = audit(["a.py": "import os\nKEY = '\(akia)'\nT = '\(newKey)'\n"], governance: false)

        let dir = try makeTempDir("baseline")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for (name, text) in [("old.json", old.json.prettyPrinted()), ("old.sarif", old.sarif().prettyPrinted())] {
            let path = "\(dir)/\(name)"
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            let baseline = try Baseline.load(path: path)
            XCTAssertEqual(baseline, Set(old.findings.map(\.fingerprint)), name)
            let filtered = Baseline.filter(current, baseline: baseline)
            XCTAssertEqual(filtered.findings.map(\.ruleID), ["secrets.github-token"], name)
            XCTAssertEqual(filtered.suppressedByBaseline, current.findings.count - 1)
            XCTAssertEqual(filtered.score, AuditScore.compute(filtered.findings))
            XCTAssertEqual(filtered.json["summary"]?["suppressed_by_baseline"]?.intValue, filtered.suppressedByBaseline)
        }
    }

    func testBaselineErrors() throws {
        XCTAssertThrowsError(try Baseline.load(path: "/nonexistent/sdetkit-baseline.json")) { error in
            guard case AuditError.baselineUnreadable = error else { return XCTFail("\(error)") }
            XCTAssertEqual((error as? AuditError)?.exitStatus, .usage)
        }
        let dir = try makeTempDir("baseline-bad")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for (name, text) in [("a.json", "{not json"), ("b.json", "{\"x\": 1}"), ("c.json", "{\"findings\": []}")] {
            try Data(text.utf8).write(to: URL(fileURLWithPath: "\(dir)/\(name)"))
            XCTAssertThrowsError(try Baseline.load(path: "\(dir)/\(name)")) { error in
                guard case AuditError.baselineInvalid = error else { return XCTFail("\(name): \(error)") }
                XCTAssertTrue((error as? AuditError)?.message.contains(name) ?? false)
            }
        }
    }
}
