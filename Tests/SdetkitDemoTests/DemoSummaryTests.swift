import Foundation
import XCTest
import SdetkitAudit
import SdetkitRuntime
import SdetkitCore
import SdetkitEngine
@testable import SdetkitDemo

/// The demo's summary.md gives totals by severity and by rule, and a top list taken across files rather than
/// the first five findings (issue #11 item 6).
final class DemoSummaryTests: XCTestCase {
    /// A committed repository: one file with six GitHub tokens (critical), one with a Slack webhook, one with
    /// a conflict marker, plus the repository-level governance findings.
    func makeRepo() throws -> String {
        let dir = "/tmp/sdetkit-demo-summary-\(UInt32.random(in: 0...UInt32.max))"
        try FileSystem.createDirectories(dir + "/src")
        try FileSystem.writeAtomically("# demo\n", to: dir + "/README.md")
        var noisy = ""
        for i in 0..<6 {
            // Built here: this file holds no token.
            let token = "ghp" + "_" + String(repeating: "abcdefghij", count: 3) + "ABCDE" + String(i)
            noisy += "token\(i) = \"\(token)\"\n"
        }
        try FileSystem.writeAtomically(noisy, to: dir + "/src/noisy.py")
        try FileSystem.writeAtomically(String(repeating: "<", count: 7) + " HEAD\nx\n", to: dir + "/src/merge.txt")
        try shell("git init -q -b main && git add -A && GIT_AUTHOR_DATE=2023-01-01T00:00:00Z GIT_COMMITTER_DATE=2023-01-01T00:00:00Z git -c user.name=t -c user.email=t@example.com commit -q -m init", in: dir)
        return dir
    }

    func testSummaryHasTotalsAndATopListAcrossFiles() async throws {
        let dir = try makeRepo()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let layout = StateLayout(repoRoot: FileSystem.realPath(dir)!)
        _ = try StateInit.run(layout: layout, force: false)
        let ws = try Workspace.open(from: dir, registry: Toolkit.registry(), approval: .nonInteractive,
                                    environment: ["SOURCE_DATE_EPOCH": "1700000000"])
        let scenario = DemoScenario.named("quick-health")!
        let result = try await DemoRunner.run(scenario, in: ws) { _ in }
        try ws.syncPendingWrites()
        let out = dir + "/" + DemoRunner.outputDir(scenario)
        let audit = try JSONParser.parse(bytes: try FileSystem.readBytes(out + "/audit.json"))
        let findings = (audit["findings"]?.arrayValue ?? []).compactMap(Finding.init(json:))
        XCTAssertGreaterThanOrEqual(findings.filter { $0.path == "src/noisy.py" }.count, 6)
        XCTAssertTrue(findings.prefix(5).allSatisfy { $0.path == "src/noisy.py" }, "the first five are one file")

        let summary = String(decoding: try FileSystem.readBytes(out + "/summary.md"), as: UTF8.self)
        XCTAssertTrue(summary.contains("## Findings by severity\n\n| Severity | Findings |"), summary)
        for s in Severity.allCases {
            XCTAssertTrue(summary.contains("| \(s.rawValue) | \(audit["summary"]?[s.rawValue]?.intValue ?? -1) |"), s.rawValue)
        }
        XCTAssertTrue(summary.contains("| **total** | **\(findings.count)** |"))
        XCTAssertTrue(summary.contains("## Findings by rule\n\n| Rule | Severity | Findings | Files |"))
        let tokens = findings.filter { $0.ruleID == "secrets.github-token" }.count
        XCTAssertTrue(summary.contains("| secrets.github-token | critical | \(tokens) | 1 |"), summary)

        // The top list (in summary.md and in the result) spans the files with findings.
        let top = summary.components(separatedBy: "## Top findings")[1].components(separatedBy: "## ")[0]
        let rows = top.split(separator: "\n").filter { $0.hasPrefix("| ") && !$0.hasPrefix("| Severity") }
        XCTAssertEqual(rows.count, 5)
        XCTAssertEqual(rows.filter { $0.contains("src/noisy.py") }.count, 2, top)
        XCTAssertTrue(top.contains("src/merge.txt:1"), top)
        XCTAssertTrue(top.contains("(repository)"), top)
        XCTAssertEqual(result.topFindings.count, 5)
        XCTAssertEqual(Set(result.topFindings.map { $0.location.split(separator: ":")[0] }),
                       ["src/noisy.py", "src/merge.txt", "(repository)"])
        XCTAssertEqual(result.topFindings.map(\.location),
                       AuditTotals.topFindings(findings, limit: 5).map(\.location), "one library function for both")
    }

    func testSummaryMarkdownIsDeterministicAndHandlesNoFindings() {
        let s = DemoScenario.named("quick-health")!
        let f = [Finding(ruleID: "a.rule", severity: .high, path: "x|y.txt", line: 2, message: "m", remediation: "r",
                         fingerprint: "1"),
                 Finding(ruleID: "a.rule", severity: .high, path: "x|y.txt", line: 3, message: "m", remediation: "r",
                         fingerprint: "2"),
                 Finding(ruleID: "b.rule", severity: .info, path: nil, line: nil, message: "n", remediation: "r",
                         fingerprint: "3")]
        let md = DemoRunner.summaryMarkdown(s, score: 7.5, findings: f, runs: [], problems: [], notes: [], artifacts: [])
        XCTAssertEqual(md, DemoRunner.summaryMarkdown(s, score: 7.5, findings: f.reversed(), runs: [], problems: [],
                                                      notes: [], artifacts: []))
        XCTAssertTrue(md.contains("| high | 2 |"))
        XCTAssertTrue(md.contains("| info | 1 |"))
        XCTAssertTrue(md.contains("| a.rule | high | 2 | 1 |"))
        XCTAssertTrue(md.contains("| b.rule | info | 1 | (repository) |"))
        XCTAssertTrue(md.contains("x\\|y.txt:2"), "escaped")
        let clean = DemoRunner.summaryMarkdown(s, score: 10, findings: [], runs: [], problems: [], notes: [], artifacts: [])
        XCTAssertTrue(clean.contains("| **total** | **0** |"))
        XCTAssertFalse(clean.contains("## Top findings"))
        let none = DemoRunner.summaryMarkdown(s, score: nil, findings: nil, runs: [], problems: [], notes: [], artifacts: [])
        XCTAssertFalse(none.contains("## Findings by severity"))
    }
}
