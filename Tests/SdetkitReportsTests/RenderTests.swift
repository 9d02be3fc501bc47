import Foundation
import XCTest
@testable import SdetkitCore
@testable import SdetkitReports
@testable import SdetkitStore

final class RenderTests: XCTestCase {
    func testEveryFormatIsByteIdenticalAcrossBuildsAndCopiesWithoutAbsolutePaths() throws {
        let h = try FixtureHistory.standard()
        let copy = h.root + "-copy"
        defer { try? FileManager.default.removeItem(atPath: copy) }
        try FileManager.default.copyItem(atPath: h.root, toPath: copy)
        let other = HistoryStore(layout: StateLayout(repoRoot: copy))
        for format in DashboardFormat.allCases {
            for table in CSVTable.allCases where format == .csv || table == .runs {
                let a = try h.render(format, csvTable: table)
                let b = try h.render(format, csvTable: table)
                let d = Dashboard(store: other, options: DashboardOptions(), clock: RunClock(fixedEpoch: 1_700_200_000))
                let c = try d.renderBytes(format, summary: try d.summary(), csvTable: table)
                XCTAssertEqual(a, b, "\(format) \(table) differs between builds")
                XCTAssertEqual(a, c, "\(format) \(table) differs between checkouts")
                XCTAssertFalse(a.text.contains("/tmp"), "\(format): absolute path")
                XCTAssertFalse(a.isEmpty)
            }
        }
    }

    func testJSONDocument() throws {
        let h = try FixtureHistory.standard()
        let bytes = try h.render(.json)
        let v = try JSONParser.parse(bytes: bytes)
        XCTAssertEqual(v["schema"], "sdetkit.dashboard/v1")
        XCTAssertEqual(v["generated_at"], "2023-11-17T05:46:40Z")
        XCTAssertEqual(v["runs"]?["total"], 16)
        XCTAssertEqual(v["runs"]?["success_rate"], 0.5)
        XCTAssertEqual(v["flaky"], [["template": "flip", "switches": 3, "recent": ["ok", "failed", "ok", "failed"]]])
        XCTAssertEqual(v["failures"]?.arrayValue?.count, 8)
        XCTAssertEqual(v["failures"]?.arrayValue?.first?["seq"], 14)
        XCTAssertEqual(v["daily"]?.arrayValue?.map { $0["date"]?.stringValue ?? "" }, ["2023-11-14", "2023-11-15", "2023-11-16"])
        XCTAssertEqual(v["integrity"]?["verified"], true)
        XCTAssertEqual(v["slo"]?["duration_ms"]?["p95"], 1000)
        XCTAssertEqual(v["filters"], ["since": nil, "until": nil, "template": nil, "status": nil])
        // The streamed document is exactly the pretty form of the in-memory one.
        let d = h.dashboard(DashboardOptions(failureLimit: 1000))
        let summary = try d.summary()
        XCTAssertEqual(bytes.text, JSONRenderer(summary: summary).document().prettyPrinted())
    }

    func testJSONListsEveryFailureEvenBeyondTheModelCap() throws {
        let h = try FixtureHistory.standard()
        let v = try JSONParser.parse(bytes: try h.render(.json, DashboardOptions(failureLimit: 2)))
        XCTAssertEqual(v["failures"]?.arrayValue?.count, 8)
        XCTAssertEqual(v["failures_total"], 8)
    }

    func testCSVRunsIsTheHistoryExport() throws {
        let h = try FixtureHistory.standard()
        var export: [UInt8] = []
        try h.store.export(format: .csv, filter: RunFilter(template: "flip")) { export += $0 }
        let csv = try h.render(.csv, DashboardOptions(filter: DashboardFilter(template: "flip")))
        XCTAssertEqual(csv, export)
        XCTAssertEqual(csv.text.components(separatedBy: "\r\n").count, 6, "header + 4 rows + trailing empty")
        XCTAssertTrue(csv.text.hasPrefix("seq,captured_at,hash,status,task"))
    }

    func testCSVSummaryTable() throws {
        let h = try FixtureHistory.standard()
        let text = try h.render(.csv, csvTable: .summary).text
        let lines = text.components(separatedBy: "\r\n")
        XCTAssertEqual(lines.first, "key,value")
        XCTAssertTrue(lines.contains("runs.total,16"))
        XCTAssertTrue(lines.contains("runs.success_rate,0.5"))
        XCTAssertTrue(lines.contains("slo.error_budget.remaining,-7.84"), "numbers are not formula-neutralised")
        XCTAssertTrue(lines.contains("slo.duration_ms.p50,200"))
        XCTAssertTrue(lines.contains("flaky.templates,1"))
        XCTAssertTrue(lines.contains("filters.template,"))
        let hostile = try FixtureHistory(name: "csvhostile")
        try hostile.add(.ok, day: 0, ms: 1, template: "=cmd()", actions: [])
        let t = try hostile.render(.csv, DashboardOptions(filter: DashboardFilter(template: "=cmd()")), csvTable: .summary).text
        XCTAssertTrue(t.contains("filters.template,'=cmd()"), t)
    }

    func testMarkdownHeadlineTablesAndEscaping() throws {
        let h = try FixtureHistory.standard()
        let md = try h.render(.md).text
        XCTAssertTrue(md.contains("**16 runs**: 8 ok · 5 failed · 3 denied · success rate **50.0%**"), md)
        XCTAssertTrue(md.contains("| Success rate | ≥ 99.00% | 50.00% | ❌ missed |"), md)
        XCTAssertTrue(md.contains("| p95 duration | < 3,000 ms | 1,000 ms | ✅ met |"), md)
        XCTAssertTrue(md.contains("| 14 | 2023-11-16T02:20:00Z | denied |"), md)
        XCTAssertTrue(md.contains("| flip | 3 | ok → failed → ok → failed |"), md)
        XCTAssertFalse(md.contains("<script>"))
        XCTAssertEqual(Fmt.mdCell("a|b\nc <i>`x`</i>"), "a\\|b c &lt;i&gt;\\`x\\`&lt;/i&gt;")
    }

    func testMarkdownStaysUnderOneMebibyteForAHugeHistoryOfLongNames() throws {
        let h = try FixtureHistory(name: "hugemd")
        var runs: [(RunRecord, RunObservation)] = []
        let long = String(repeating: "very-long-task-name-|<&>`*_ ", count: 150)  // ~4 KB per task
        for i in 0..<3000 {
            let template = i % 3 == 0 ? "template-\(i % 600)-" + String(repeating: "x&", count: 2000) : nil
            let rec = FixtureHistory.record(task: "\(i) \(long)", status: i % 2 == 0 ? .failed : .ok, template: template,
                                            actions: [FixtureHistory.action("act.\(i % 50)." + String(repeating: "a", count: 500), i % 2 == 0 ? "failed" : "ok")])
            runs.append((rec, RunObservation(capturedAt: RunClock.rfc3339(epochSeconds: day0 + Int64(i) * 3000), durationMs: i,
                                             tool: "t", host: nil)))
        }
        try h.store.appendBatch(runs)
        let md = try h.render(.md)
        XCTAssertLessThan(md.count, 1 << 20)
        XCTAssertTrue(md.text.contains("**3000 runs**"))
        XCTAssertTrue(md.text.contains("Showing 50 of 1500, newest first; see the csv export"), String(md.text.prefix(2000)))
        let html = try h.render(.html)
        XCTAssertTrue(html.text.contains("Showing 500 of 1500 non-ok runs"))
        XCTAssertEqual(html.text.components(separatedBy: "<tr><td class=\"num\" data-v=").count - 1, 500)
    }

    func testMarkdownHardCapCutsOnACharacterBoundary() {
        var s = DashboardSummary(generatedAt: "2023-11-14T00:00:00Z", filter: DashboardFilter())
        s.failureCount = 1
        s.failures = [FailureRow(seq: 1, capturedAt: "", hash: "", status: "failed", task: "t", template: nil, family: "", reason: nil, durationMs: 0)]
        s.topTemplates = (0..<10_000).map { GroupStat(name: "é\($0)" + String(repeating: "é", count: 2000), runs: 1, ok: 0, failed: 1, denied: 0, failureRate: 1) }
        var r = MarkdownRenderer(summary: s)
        r.failureRows = 1
        let bytes = r.render()
        XCTAssertLessThanOrEqual(bytes.count, 1 << 20)
        XCTAssertNotNil(String(validating: bytes, as: UTF8.self))
        XCTAssertTrue(bytes.text.hasSuffix("see the csv export)_\n"))
    }

    func testFormatting() {
        XCTAssertEqual(Fmt.percent(0.615385), "61.5%")
        XCTAssertEqual(Fmt.percent(nil), "—")
        XCTAssertEqual(Fmt.percent(1, digits: 2), "100.00%")
        XCTAssertEqual(Fmt.fixed(-7.84, digits: 1), "-7.8")
        XCTAssertEqual(Fmt.fixed(0.005, digits: 2), "0.01")
        XCTAssertEqual(Fmt.fixed(-0.001, digits: 1), "0.0")
        XCTAssertEqual(Fmt.count(1_234_567), "1,234,567")
        XCTAssertEqual(Fmt.count(999), "999")
        XCTAssertEqual(Fmt.oneLine("a\nb\tc", max: 10), "a b c")
        XCTAssertEqual(Fmt.oneLine("abcdef", max: 4), "abc…")
        XCTAssertEqual(Base64.encode(Array("any carnal pleas".utf8)), "YW55IGNhcm5hbCBwbGVhcw==")
        XCTAssertEqual(Base64.encode(Array("any carnal pleasu".utf8)), "YW55IGNhcm5hbCBwbGVhc3U=")
    }
}
