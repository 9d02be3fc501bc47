import SdetkitCore
import XCTest

@testable import SdetkitAudit

/// Totals by severity and by rule, and the top list across files (issue #11 item 6).
final class AuditTotalsTests: XCTestCase {
    func finding(_ rule: String, _ severity: Severity, _ path: String?, _ line: Int? = nil) -> Finding {
        Finding(ruleID: rule, severity: severity, path: path, line: line, message: "m \(rule)", remediation: "fix",
                fingerprint: "\(rule)|\(path ?? ".")|\(line ?? 0)")
    }

    /// One noisy file with many critical findings, and three other files with less severe ones.
    var noisy: [Finding] {
        var out: [Finding] = []
        for i in 1...8 { out.append(finding("secrets.github-token", .critical, "src/noisy.py", i)) }
        out.append(finding("secrets.aws-access-key-id", .high, "src/noisy.py", 20))
        out.append(finding("secrets.aws-access-key-id", .high, "config/app.env", 3))
        out.append(finding("files.conflict-marker", .medium, "docs/guide.md", 7))
        out.append(finding("files.large-file", .low, "assets/big.bin"))
        out.append(finding("governance.missing-ci", .medium, nil))
        out.append(finding("secrets.github-token", .low, "Tests/fixture.txt", 1))
        return out
    }

    func testTotalsBySeverityAndRule() {
        let t = AuditTotals(findings: noisy)
        XCTAssertEqual(t.total, 14)
        XCTAssertEqual(t.bySeverity.map(\.severity), [.critical, .high, .medium, .low, .info])
        XCTAssertEqual(t.bySeverity.map(\.count), [8, 2, 2, 2, 0])
        XCTAssertEqual(t.count(.info), 0)
        XCTAssertEqual(t.byRule.map(\.ruleID), ["secrets.github-token", "secrets.aws-access-key-id",
                                                "files.conflict-marker", "governance.missing-ci", "files.large-file"])
        let token = t.byRule[0]
        XCTAssertEqual(token.severity, .critical, "the most severe of the rule's findings")
        XCTAssertEqual(token.count, 9)
        XCTAssertEqual(token.files, 2)
        XCTAssertEqual(t.byRule[1].count, 2)
        XCTAssertEqual(t.byRule[1].files, 2)
        XCTAssertEqual(t.byRule[3].files, 0)
        XCTAssertTrue(t.byRule[3].repositoryLevel)
        XCTAssertEqual(t.bySeverity.map(\.count).reduce(0, +), t.total)
        XCTAssertEqual(t.byRule.map(\.count).reduce(0, +), t.total)
        XCTAssertEqual(AuditTotals(findings: noisy.reversed()), t, "order of the input does not matter")

        let empty = AuditTotals(findings: [])
        XCTAssertEqual(empty.total, 0)
        XCTAssertEqual(empty.bySeverity.map(\.count), [0, 0, 0, 0, 0])
        XCTAssertEqual(empty.ruleTableMarkdown(), "")
    }

    /// The top list must not be the first N findings: one file with eight critical findings may not fill it.
    func testTopFindingsSpanFiles() {
        let sorted = noisy.sorted(by: Finding.reportOrder)
        let top = AuditTotals.topFindings(sorted, limit: 5)
        XCTAssertEqual(top.count, 5)
        XCTAssertNotEqual(top, Array(sorted.prefix(5)), "not just the first five findings")
        XCTAssertEqual(Set(top.map { $0.path ?? "." }).count, 5, "five findings from five different files")
        XCTAssertEqual(top.map(\.location), ["src/noisy.py:1", "config/app.env:3", "docs/guide.md:7", "(repository)",
                                             "assets/big.bin"])
        // Deterministic whatever the input order.
        XCTAssertEqual(AuditTotals.topFindings(noisy.reversed(), limit: 5), top)
        XCTAssertEqual(AuditTotals.topFindings(noisy.shuffled(), limit: 5), top)
        // Once every file has given one, files give a second (most severe first).
        let eight = AuditTotals.topFindings(noisy, limit: 8)
        XCTAssertEqual(eight.count, 8)
        XCTAssertEqual(eight.filter { $0.path == "src/noisy.py" }.map(\.line), [1, 2, 3], "six files give one each, then only noisy.py has more")
        XCTAssertEqual(eight.filter { $0.path == "Tests/fixture.txt" }.count, 1)
        // In top order: severity, rule id, path, line.
        XCTAssertEqual(eight, eight.sorted(by: AuditTotals.topOrder))
        for (a, b) in zip(eight, eight.dropFirst()) { XCTAssertGreaterThanOrEqual(a.severity, b.severity) }
        // Everything when the limit is larger than the findings; nothing for no findings or a zero limit.
        XCTAssertEqual(AuditTotals.topFindings(noisy, limit: 100).count, noisy.count)
        XCTAssertEqual(AuditTotals.topFindings([], limit: 5), [])
        XCTAssertEqual(AuditTotals.topFindings(noisy, limit: 0), [])
    }

    func testTopFindingsOfOneFileAreItsMostSevere() {
        let one = [finding("b.rule", .low, "a.txt", 1), finding("a.rule", .high, "a.txt", 9),
                   finding("c.rule", .high, "a.txt", 2)]
        XCTAssertEqual(AuditTotals.topFindings(one, limit: 2).map(\.ruleID), ["a.rule", "c.rule"])
    }

    func testMarkdownHasTotalsAndTopList() {
        var files: [String: String] = [:]
        let token = "ghp" + "_" + Gen.string(36, Gen.alnum, seed: 11)
        files["src/noisy.py"] = (0..<8).map { _ in "t = \"\(token)\"\n" }.joined()
        files["docs/a.md"] = String(repeating: "<", count: 7) + " HEAD\n"
        let report = audit(files)
        let md = report.markdown()
        XCTAssertTrue(md.contains("## Findings by severity\n\n| Severity | Findings |"))
        for s in Severity.allCases { XCTAssertTrue(md.contains("| \(s.rawValue) | "), s.rawValue) }
        XCTAssertTrue(md.contains("## Findings by rule\n\n| Rule | Severity | Findings | Files |"))
        XCTAssertTrue(md.contains("| secrets.github-token | critical | 8 | 1 |"), md)
        let top = md.components(separatedBy: "## Top findings")[1].components(separatedBy: "## Findings\n")[0]
        XCTAssertTrue(top.contains("docs/a.md:1"), "the top list reaches the second file: \(top)")
        XCTAssertTrue(top.contains("src/noisy.py:1"))
        XCTAssertEqual(md, audit(files).markdown(), "byte-identical for the same input")
        let clean = audit([:]).markdown()
        XCTAssertTrue(clean.contains("| **total** | **0** |"))
        XCTAssertFalse(clean.contains("## Findings by rule"))
        XCTAssertFalse(clean.contains("## Top findings"))
    }

    func testFindingRoundTripsThroughJSON() {
        for f in noisy { XCTAssertEqual(Finding(json: f.json), f) }
        XCTAssertNil(Finding(json: ["rule_id": "x", "severity": "bogus"]))
    }
}
