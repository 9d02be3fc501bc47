import Foundation
import XCTest
@testable import SdetkitCore
@testable import SdetkitReports
@testable import SdetkitStore

/// The dashboard's audit panel (issue #11 item 6): latest score, findings by severity of the latest audit run,
/// and the score's trend over audit runs, in JSON, Markdown, HTML and the summary CSV.
final class AuditPanelTests: XCTestCase {
    static func auditAction(score: Double, critical: Int = 0, high: Int = 0, medium: Int = 0, low: Int = 0,
                            profile: String = "default", ok: Bool = true) -> ActionOutcome {
        let total = critical + high + medium + low
        return ActionOutcome(action: "repo.audit", params: ["profile": .string(profile)], ok: ok, denied: false,
                             reason: "score \(score)/10, \(total) finding(s)",
                             result: ["profile": .string(profile), "score": .number(score), "findings": .int(total),
                                      "critical": .int(critical), "high": .int(high), "medium": .int(medium),
                                      "low": .int(low), "info": 0])
    }

    /// Runs: 1 a plain run, 2 an audit (6.5), 3 a template run whose second action audits (7.5), 4 a denied
    /// audit (no score), 5 a plain run, 6 an audit that failed its gate (5.0, one critical).
    static func history() throws -> FixtureHistory {
        let h = try FixtureHistory(name: "audit-panel")
        typealias A = FixtureHistory
        try h.add(.ok, day: 0, ms: 10, actions: [A.action("fs.list", "ok")])
        try h.add(.ok, day: 0, ms: 20, task: "audit", actions: [auditAction(score: 6.5, high: 1, medium: 2)])
        try h.add(.ok, day: 1, ms: 30, template: "repo-health-audit",
                  actions: [A.action("fs.list", "ok"), auditAction(score: 7.5, medium: 2)])
        try h.add(.denied, day: 1, ms: 5, actions: [A.action("repo.audit", "denied", approval: .denied)])
        try h.add(.ok, day: 2, ms: 10, actions: [A.action("fs.read", "ok")])
        try h.add(.failed, day: 2, ms: 40, task: "audit --fail-on critical",
                  actions: [auditAction(score: 5.0, critical: 1, medium: 1, profile: "enterprise", ok: false)])
        return h
    }

    func testSummaryHasLatestScoreFindingsAndTrend() throws {
        let h = try Self.history()
        let s = try h.dashboard().summary()
        let a = s.audit
        XCTAssertEqual(a.runs, 4, "every run with a repo.audit action, scored or not")
        XCTAssertEqual(a.latest?.seq, 6)
        XCTAssertEqual(a.latest?.score, 5.0)
        XCTAssertEqual(a.profile, "enterprise")
        XCTAssertEqual(a.findings, AuditSeverityCounts(critical: 1, high: 0, medium: 1, low: 0, info: 0, total: 2))
        XCTAssertEqual(a.trend.map(\.seq), [2, 3, 6], "oldest first; the denied audit has no score")
        XCTAssertEqual(a.trend.map(\.score), [6.5, 7.5, 5.0])
        XCTAssertEqual(a.change, -2.5)

        // The window applies: only days 0 and 1.
        let early = try h.dashboard(DashboardOptions(filter: try DashboardFilter.parse(since: nil, until: "2023-11-15",
                                                                                        template: nil, status: nil))).summary()
        XCTAssertEqual(early.audit.runs, 3)
        XCTAssertEqual(early.audit.latest?.seq, 3)
        XCTAssertEqual(early.audit.trend.map(\.seq), [2, 3])
        XCTAssertEqual(early.audit.change, 1.0)
    }

    func testTrendIsCappedToTheNewestAuditRuns() throws {
        let h = try FixtureHistory(name: "audit-cap")
        let n = AuditPanel.trendLimit + 5
        for i in 0..<n { try h.add(.ok, day: i / 10, ms: 1, actions: [Self.auditAction(score: Double(i % 11))]) }
        let a = try h.dashboard().summary().audit
        XCTAssertEqual(a.runs, n)
        XCTAssertEqual(a.trend.count, AuditPanel.trendLimit)
        XCTAssertEqual(a.trend.first?.seq, 6)
        XCTAssertEqual(a.trend.last?.seq, n)
        XCTAssertEqual(a.latest?.seq, n)
    }

    func testJSONMarkdownHTMLAndCSV() throws {
        let h = try Self.history()
        let json = try JSONParser.parse(bytes: try h.render(.json))
        let audit = json["audit"]
        XCTAssertEqual(audit?["runs"]?.intValue, 4)
        XCTAssertEqual(audit?["latest"]?["score"]?.doubleValue, 5.0)
        XCTAssertEqual(audit?["latest"]?["seq"]?.intValue, 6)
        XCTAssertEqual(audit?["latest"]?["findings"]?["critical"]?.intValue, 1)
        XCTAssertEqual(audit?["latest"]?["findings"]?["total"]?.intValue, 2)
        XCTAssertEqual(audit?["trend"]?.arrayValue?.map { $0["seq"]?.intValue ?? 0 }, [2, 3, 6])
        XCTAssertEqual(audit?["trend_limit"]?.intValue, AuditPanel.trendLimit)
        XCTAssertEqual(audit?["change"]?.doubleValue, -2.5)

        let md = try h.render(.md).text
        XCTAssertTrue(md.contains("### Audit\n\n**Score: 5.0 / 10** (▼ -2.5 since the previous audit) · run 6"), md)
        XCTAssertTrue(md.contains("| critical | high | medium | low | info | total |\n|---:|---:|---:|---:|---:|---:|\n| 1 | 0 | 1 | 0 | 0 | 2 |"), md)
        XCTAssertTrue(md.contains("6.5 → 7.5 → 5.0"), md)

        let html = try h.render(.html).text
        XCTAssertTrue(html.contains("<section id=\"audit\"><h2>Audit</h2>"))
        XCTAssertTrue(html.contains("<strong>5.0 / 10</strong>"))
        XCTAssertTrue(html.contains("class=\"chart spark\""))
        XCTAssertEqual(html.components(separatedBy: "<circle class=\"pt\"").count - 1 - dailyPoints(html), 3)

        let csv = try h.render(.csv, csvTable: .summary).text
        XCTAssertTrue(csv.contains("audit.latest.score,5\r\n"), csv)
        XCTAssertTrue(csv.contains("audit.latest.findings.critical,1\r\n"))
        XCTAssertTrue(csv.contains("audit.trend.points,3\r\n"))

        // Deterministic.
        XCTAssertEqual(try h.render(.html), try h.render(.html))
        XCTAssertEqual(try h.render(.md), try h.render(.md))
    }

    /// Circles of the daily chart (one per day) in `html`, so the sparkline's can be counted apart.
    func dailyPoints(_ html: String) -> Int {
        guard let start = html.range(of: "<section id=\"trend\">"), let end = html.range(of: "<section id=\"audit\">") else { return 0 }
        return html[start.upperBound..<end.lowerBound].components(separatedBy: "<circle class=\"pt\"").count - 1
    }

    func testNoAuditRuns() throws {
        let h = try FixtureHistory.standard()
        let s = try h.dashboard().summary()
        XCTAssertEqual(s.audit.runs, 0)
        XCTAssertNil(s.audit.latest)
        let json = try JSONParser.parse(bytes: try h.render(.json))
        XCTAssertEqual(json["audit"]?["latest"], .null)
        XCTAssertEqual(json["audit"]?["trend"]?.arrayValue?.count, 0)
        XCTAssertTrue(try h.render(.md).text.contains("### Audit\n\nNo audit runs in this window.\n"))
        XCTAssertTrue(try h.render(.html).text.contains("No audit runs in this window"))
    }

    func testAuditDashboardValidatesAgainstTheSchema() throws {
        guard let python = which("python3") else { return XCTFail("python3 is required for the schema test") }
        let schema = repositoryRoot + "/docs/schemas/dashboard.schema.json"
        let dir = "/tmp/sdetkit-reports-audit-schema-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileSystem.createDirectories(dir)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileSystem.writeAtomically(try Self.history().render(.json), to: "\(dir)/audit.json")
        try FileSystem.writeAtomically(try FixtureHistory.standard().render(.json), to: "\(dir)/standard.json")
        try FileSystem.writeAtomically(SchemaTests.validator, to: "\(dir)/validate.py")
        let (status, out, err) = try runProcess(python, ["\(dir)/validate.py", schema, "\(dir)/audit.json", "\(dir)/standard.json"])
        XCTAssertEqual(status, 0, "schema validation failed:\n\(out)\(err)")
    }
}
