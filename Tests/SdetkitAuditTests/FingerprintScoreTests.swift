import SdetkitCore
import XCTest

@testable import SdetkitAudit

final class FingerprintTests: XCTestCase {
    let akia = "AKIA" + Gen.string(16, Gen.upperDigits, seed: 60)

    func fingerprints(_ text: String) -> [Int: String] {
        let r = audit(["app/settings.py": text])
        var out: [Int: String] = [:]
        for f in findings(r, "secrets.aws-access-key-id") { out[f.line ?? -1] = f.fingerprint }
        return out
    }

    func testStableWhenLinesAreInsertedAbove() {
        let before = fingerprints("import os\nKEY = '\(akia)'\n")
        let after = fingerprints("import os\nimport sys\n\n# comment\nKEY  =  '\(akia)'   \n")
        XCTAssertEqual(before.count, 1)
        XCTAssertEqual(after.count, 1)
        XCTAssertEqual(before[2], after[5], "whitespace changes and line shifts keep the fingerprint")
        XCTAssertEqual(before[2]?.count, 32)
    }

    func testDifferentLinesDifferentFingerprints() {
        let other = "AKIA" + Gen.string(16, Gen.upperDigits, seed: 61)
        let fps = fingerprints("A = '\(akia)'\nB = '\(other)'\n")
        XCTAssertEqual(fps.count, 2)
        XCTAssertNotEqual(fps[1], fps[2])
        // Same line in another file differs too.
        let r = audit(["a.py": "A = '\(akia)'\n", "b.py": "A = '\(akia)'\n"])
        let byPath = findings(r, "secrets.aws-access-key-id").map(\.fingerprint)
        XCTAssertEqual(Set(byPath).count, 2)
    }

    func testIdenticalLinesAreDisambiguatedStably() {
        let line = "KEY = '\(akia)'\n"
        let a = fingerprints(line + "x = 1\n" + line)
        let b = fingerprints("# header\n\n" + line + "y = 2\nz = 3\n" + line)
        XCTAssertEqual(a.count, 2)
        XCTAssertNotEqual(a[1], a[3])
        XCTAssertEqual(a[1], b[3])
        XCTAssertEqual(a[3], b[6])
    }

    func testFormula() {
        let normalised = Fingerprint.normalise("  a \t b  ")
        XCTAssertEqual(normalised, Array("a b".utf8))
        let expected = String(Digest.sha256Hex("r\u{0}p\u{0}a b").prefix(32))
        XCTAssertEqual(Fingerprint.line(ruleID: "r", path: "p", normalisedLine: normalised, occurrence: 0), expected)
        let second = String(Digest.sha256Hex("r\u{0}p\u{0}a b\u{0}1").prefix(32))
        XCTAssertEqual(Fingerprint.line(ruleID: "r", path: "p", normalisedLine: normalised, occurrence: 1), second)
        XCTAssertEqual(Fingerprint.repoLevel(ruleID: "r"), String(Digest.sha256Hex("r\u{0}.").prefix(32)))
    }
}

final class ScoreTests: XCTestCase {
    func finding(_ rule: String, _ severity: Severity, _ i: Int = 0) -> Finding {
        Finding(ruleID: rule, severity: severity, path: "p", line: i, message: "m", remediation: "r",
                fingerprint: "\(rule)-\(i)")
    }

    func testNoFindingsScoresTen() {
        XCTAssertEqual(AuditScore.compute([]), 10)
        XCTAssertEqual(AuditScore.compute([finding("a", .info)]), 10)
    }

    func testFirstFindingCostsHalfTheWeight() {
        XCTAssertEqual(AuditScore.compute([finding("a", .critical)]), 5)
        XCTAssertEqual(AuditScore.compute([finding("a", .high)]), 6.3)  // 10 - 3.75 = 6.25 → 6.3
        XCTAssertEqual(AuditScore.compute([finding("a", .medium)]), 7.5)
        XCTAssertEqual(AuditScore.compute([finding("a", .low)]), 8.8)  // 8.75 → 8.8
    }

    func testRepeatsOfOneRuleAreCappedAtItsWeight() {
        XCTAssertEqual(AuditScore.compute([finding("a", .critical, 1), finding("a", .critical, 2)]), 2.5)
        let many = (0..<100).map { finding("a", .low, $0) }
        XCTAssertEqual(AuditScore.compute(many), 7.5)
        XCTAssertEqual(AuditScore.compute((0..<100).map { finding("a", .medium, $0) }), 5)
    }

    func testDifferentRulesAddUpAndClampAtZero() {
        XCTAssertEqual(AuditScore.compute([finding("a", .medium), finding("b", .low)]), 6.3)  // 10-2.5-1.25
        XCTAssertEqual(AuditScore.compute([finding("a", .critical), finding("b", .critical), finding("c", .low)]), 0)
    }

    func testReportScoreMatchesFormulaAndIsDeterministic() {
        let r1 = audit([:], profile: .default, governance: false)
        let r2 = audit([:], profile: .default, governance: false)
        // governance counts half: license high 1.875 + readme, security, ci medium 3 × 1.25 + gitignore low 0.625 = 6.25 → 3.75 → 3.8
        XCTAssertEqual(r1.score, 3.8)
        XCTAssertEqual(r1.json, r2.json)
        var files = completeGovernance
        files["SECURITY.md"] = nil
        XCTAssertEqual(Auditor.run(AuditInput.inMemory(text: files), profile: .default).score, 8.8)  // 10 - 1.25 = 8.75
    }
}
