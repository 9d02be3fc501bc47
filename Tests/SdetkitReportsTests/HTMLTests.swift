import Foundation
import XCTest
@testable import SdetkitCore
@testable import SdetkitReports
@testable import SdetkitStore

final class HTMLTests: XCTestCase {
    static let allowedTags: Set<String> = [
        "html", "head", "meta", "title", "link", "style", "body", "header", "main", "footer", "section", "div", "h1", "h2",
        "p", "code", "span", "table", "thead", "tbody", "tr", "th", "td", "input", "dl", "dt", "dd", "i", "script", "svg",
        "g", "line", "text", "rect", "polyline", "circle",
    ]

    /// A history whose every user-derived string is hostile.
    func hostile() throws -> FixtureHistory {
        let h = try FixtureHistory(name: "hostile")
        let evil = "<script>alert('x')</script>"
        try h.add(.failed, day: 0, ms: 5, task: evil, template: "t\"><img src=//evil.example/x onerror=alert(1)>",
                  actions: [FixtureHistory.action("<b>act</b>", "failed", reason: "reason & <iframe src='https://evil'>")])
        try h.add(.ok, day: 0, ms: 5, task: "=HYPERLINK(\"http://evil\",\"y\")", template: "a&b'c", actions: [])
        try h.add(.failed, day: 1, ms: 5, task: "line\nbreak", template: "a&b'c", actions: [FixtureHistory.action("fs.read", "failed")])
        try h.add(.ok, day: 1, ms: 5, task: "x", template: "a&b'c", actions: [])
        try h.add(.failed, day: 1, ms: 5, task: "y", template: "a&b'c", actions: [FixtureHistory.action("fs.read", "failed")])
        return h
    }

    func testUserTextIsEscapedEverywhere() throws {
        let html = try hostile().render(.html).text
        XCTAssertFalse(html.contains("<script>alert("))
        XCTAssertTrue(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"))
        XCTAssertTrue(html.contains("t&quot;&gt;&lt;img src=//evil.example/x onerror=alert(1)&gt;"))
        XCTAssertTrue(html.contains("reason &amp; &lt;iframe src=&#39;https://evil&#39;&gt;"))
        XCTAssertTrue(html.contains("a&amp;b&#39;c"), "flaky/template tables escape names")
        XCTAssertFalse(html.contains("<img"))
        XCTAssertFalse(html.contains("<iframe"))
        XCTAssertFalse(html.contains("<b>"))
        // Every tag in the page is one the renderer writes.
        let markup = html.replacingOccurrences(of: HTMLAssets.script, with: "")
        let tags = matches(markup, #"<\s*/?\s*([A-Za-z][A-Za-z0-9]*)"#)
        XCTAssertEqual(Set(tags.map { $0.lowercased() }).subtracting(Self.allowedTags), [])
        XCTAssertEqual(matches(html, #"<script>"#).count, 1, "only the renderer's own script")
    }

    func testSelfContainedNoExternalReferences() throws {
        XCTAssertEqual(externalReferences("<p><img src=\"https://x/y.png\"><a href=//cdn>x</a><a href='#top'>y</a></p>").count, 2,
                       "the checker itself finds external references")
        for h in [try hostile(), try FixtureHistory.standard(), try FixtureHistory(name: "empty-html")] {
            let html = try h.render(.html).text
            XCTAssertTrue(html.hasPrefix("<!doctype html>\n<html lang=\"en\">"))
            XCTAssertTrue(html.contains("<title>sdetkit dashboard"))
            XCTAssertTrue(html.contains("<svg class=\"chart\""))
            XCTAssertTrue(html.hasSuffix("</html>\n"))
            XCTAssertEqual(externalReferences(html), [])
            XCTAssertEqual(matches(html, #"(?i)(url\(|@import|<link[^>]+stylesheet|<iframe|<object|<embed|<img)"#), [])
            XCTAssertTrue(html.contains("default-src 'none'"), "a CSP forbids every request")
            XCTAssertTrue(html.contains("prefers-color-scheme:dark"))
        }
    }

    func testContentSecurityPolicyHashMatchesTheScript() throws {
        let html = try FixtureHistory.standard().render(.html).text
        guard let start = html.range(of: "<script>"), let end = html.range(of: "</script>") else { return XCTFail("no script") }
        let script = String(html[start.upperBound..<end.lowerBound])
        let hash = "sha256-" + Base64.encode(Base64.fromHex(Digest.sha256Hex(script)))
        XCTAssertTrue(html.contains("script-src '\(hash)'"), "CSP must allow exactly the inline script")
    }

    func testFailedRunsTableIsPlainHTMLAndCapped() throws {
        let h = try FixtureHistory.standard()
        let html = try h.render(.html).text
        XCTAssertTrue(html.contains("<table id=\"failures\">"))
        XCTAssertTrue(html.contains("Showing 8 of 8 non-ok runs, newest first."))
        XCTAssertTrue(html.contains("id=\"failures-filter\" type=\"search\""), "filter box is there (hidden until the script runs)")
        XCTAssertTrue(html.contains("<tr><td class=\"num\" data-v=\"14\">14</td>"))
        let d = h.dashboard(DashboardOptions(failureLimit: 3))
        var r = HTMLRenderer(summary: try d.summary())
        r.failureRows = 2
        let capped = r.render().text
        XCTAssertTrue(capped.contains("Showing 2 of 8 non-ok runs, newest first; every run is in the csv export"))
    }

    func testChartDrawsOneBarGroupPerDay() throws {
        let html = try FixtureHistory.standard().render(.html).text
        XCTAssertEqual(matches(html, #"<g><title>"#).count, 3)
        XCTAssertTrue(html.contains("<title>2023-11-16: 10 runs, 6 ok, 2 failed, 2 denied, 60.0% ok</title>"))
        XCTAssertEqual(matches(html, "<polyline class=\"rate\"").count, 1)
        let many = (0..<120).map { DailyPoint(date: "d\($0)", runs: 1, ok: 1, failed: 0, denied: 0, successRate: 1) }
        XCTAssertEqual(matches(DailyChart(days: many).render(), "<g><title>").count, DailyChart.maxDays)
        XCTAssertTrue(DailyChart(days: []).render().contains("no runs in this window"))
    }

    /// URL-valued attributes of every tag that point outside the file (as the acceptance's HTML parser sees them).
    func externalReferences(_ html: String) -> [String] {
        let markup = html.replacingOccurrences(of: HTMLAssets.script, with: "")
        var found: [String] = []
        for tag in matches(markup, #"<[A-Za-z][^>]*>"#) {
            for attr in matches(tag, #"\s([A-Za-z:-]+)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)"#, groups: true) {
                let parts = attr.split(separator: "\u{1}", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { continue }
                let value = parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"' "))
                if ["src", "href", "action", "data", "xlink:href", "poster", "srcset", "formaction"].contains(parts[0].lowercased()),
                   value.hasPrefix("//") || value.lowercased().hasPrefix("http:") || value.lowercased().hasPrefix("https:") {
                    found.append(tag)
                }
            }
        }
        return found
    }

    func matches(_ text: String, _ pattern: String, groups: Bool) -> [String] {
        guard let re = try? NSRegularExpression(pattern: pattern) else { XCTFail("bad regex"); return [] }
        let ns = text as NSString
        return re.matches(in: text, range: NSRange(location: 0, length: ns.length)).map {
            ns.substring(with: $0.range(at: 1)) + "\u{1}" + ns.substring(with: $0.range(at: 2))
        }
    }

    func matches(_ text: String, _ pattern: String) -> [String] {
        guard let re = try? NSRegularExpression(pattern: pattern) else { XCTFail("bad regex"); return [] }
        let ns = text as NSString
        return re.matches(in: text, range: NSRange(location: 0, length: ns.length)).map {
            ns.substring(with: $0.numberOfRanges > 1 && $0.range(at: 1).location != NSNotFound ? $0.range(at: 1) : $0.range)
        }
    }
}
