import Foundation
import XCTest
@testable import SdetkitCore
@testable import SdetkitReports

/// Loads the real HTML dashboard in headless Chromium (Debian package `chromium`): it must render (a non-blank
/// screenshot), log no console errors (uncaught exceptions, CSP violations), make no network request, and its
/// script must sort and filter the failed-runs table. Fails when chromium is missing: `apt-get install -y chromium`.
/// Set SDETKIT_DASHBOARD_SCREENSHOT=FILE.png to keep the screenshot (docs/dashboard.png is made this way).
final class BrowserTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws {
        dir = "/tmp/sdetkit-reports-browser-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileSystem.createDirectories(dir + "/profile")
    }

    override func tearDown() {
        // SDETKIT_DASHBOARD_KEEP=1 keeps the pages, screenshots and net logs for a look.
        if ProcessInfo.processInfo.environment["SDETKIT_DASHBOARD_KEEP"] == nil { try? FileManager.default.removeItem(atPath: dir) }
    }

    /// Runs chromium with background networking off and every host name unresolvable; returns (status, stdout, stderr).
    func browse(_ url: String, _ extra: [String]) throws -> (Int32, String, String) {
        guard let browser = which("chromium") ?? which("chromium-browser") else {
            XCTFail("chromium is not installed; the dashboard browser test needs it: apt-get install -y chromium")
            throw XCTSkip("chromium missing")
        }
        let flags = ["120", browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                     "--enable-logging=stderr", "--v=0", "--user-data-dir=\(dir)/profile", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
                     "--disable-default-apps", "--host-resolver-rules=MAP * ~NOTFOUND"]
        return try runProcess("/usr/bin/timeout", flags + extra + [url])
    }

    func consoleProblems(_ stderr: String) -> [String] {
        stderr.split(separator: "\n").map(String.init).filter { $0.contains(":CONSOLE") || $0.contains("Uncaught") }
    }

    /// URLs the page itself requested (net-log URL_REQUEST_START_JOB with a page initiator), except file: and data:.
    func pageRequests(netLog path: String) throws -> [String] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        guard let log = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let constants = log["constants"] as? [String: Any], let types = constants["logEventTypes"] as? [String: Int],
              let startJob = types["URL_REQUEST_START_JOB"], let events = log["events"] as? [[String: Any]] else {
            XCTFail("unreadable net log \(path)")
            return []
        }
        return events.compactMap { e -> String? in
            guard e["type"] as? Int == startJob, let p = e["params"] as? [String: Any], let url = p["url"] as? String else { return nil }
            let byPage = (p["initiator"] as? String ?? "not an origin") != "not an origin"
            return byPage && !url.hasPrefix("file:") && !url.hasPrefix("data:") ? url : nil
        }
    }

    func pngSize(_ bytes: [UInt8]) -> (Int, Int)? {
        guard bytes.count > 24, bytes.prefix(8) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] else { return nil }
        func be(_ o: Int) -> Int { bytes[o..<o + 4].reduce(0) { $0 << 8 | Int($1) } }
        return (be(16), be(20))
    }

    func screenshot(_ html: String, name: String) throws -> (png: [UInt8], stderr: String, requests: [String]) {
        try FileSystem.writeAtomically(html, to: "\(dir)/\(name).html")
        let png = "\(dir)/\(name).png", net = "\(dir)/\(name)-net.json"
        let (status, _, err) = try browse("file://\(dir)/\(name).html",
                                          ["--screenshot=\(png)", "--window-size=1280,2000", "--log-net-log=\(net)"])
        XCTAssertEqual(status, 0, "chromium failed for \(name): \(err.suffix(2000))")
        let bytes = (try? FileSystem.readBytes(png)) ?? []
        return (bytes, err, FileSystem.exists(net) ? try pageRequests(netLog: net) : ["(no net log written)"])
    }

    func testDashboardRendersWithoutConsoleErrorsOrNetworkRequests() throws {
        let h = try FixtureHistory.showcase()
        let html = try h.render(.html).text
        let blank = try screenshot("<!doctype html><html><head><title>blank</title><link rel=\"icon\" href=\"data:,\"></head><body></body></html>",
                                   name: "blank")
        let shot = try screenshot(html, name: "dash")
        let size = pngSize(shot.png)
        XCTAssertNotNil(size, "the screenshot is not a PNG")
        if let size { XCTAssertTrue(size == (1280, 2000), "screenshot size \(size)") }
        XCTAssertGreaterThan(shot.png.count, max(20_000, blank.png.count * 5),
                             "the screenshot looks blank: \(shot.png.count) bytes vs \(blank.png.count) for an empty page")
        XCTAssertEqual(consoleProblems(shot.stderr), [], "console errors")
        XCTAssertEqual(shot.requests, [], "the dashboard made network requests")
        if let keep = ProcessInfo.processInfo.environment["SDETKIT_DASHBOARD_SCREENSHOT"], !keep.isEmpty {
            try FileSystem.writeAtomically(shot.png, to: keep)
        }
    }

    func testTheChecksCatchConsoleErrorsAndRequests() throws {
        // Control: a page that does both must be caught, or the test above proves nothing.
        let bad = "<!doctype html><html><head><title>bad</title></head><body><img src=\"http://sdetkit-control.invalid/x.png\">"
            + "<script>undefinedFunction()</script></body></html>"
        let shot = try screenshot(bad, name: "control")
        XCTAssertFalse(consoleProblems(shot.stderr).isEmpty, "an uncaught error must show up")
        XCTAssertEqual(shot.requests, ["http://sdetkit-control.invalid/x.png"])
    }

    func testScriptSortsAndFiltersTheFailedRunsTable() throws {
        let h = try FixtureHistory.showcase()
        try FileSystem.writeAtomically(try h.render(.html), to: "\(dir)/dash.html")
        let (status, dom, err) = try browse("file://\(dir)/dash.html#q=nightly&sort=seq&dir=asc", ["--dump-dom"])
        XCTAssertEqual(status, 0, String(err.suffix(2000)))
        XCTAssertEqual(consoleProblems(err), [])
        XCTAssertTrue(dom.contains("data-enhanced=\"yes\""), "the script did not run")
        XCTAssertTrue(dom.contains("<input id=\"failures-filter\" type=\"search\" placeholder=\"Filter failed runs…\" aria-label=\"Filter failed runs\">"),
                      "the filter box is shown once the script runs")
        let re = try NSRegularExpression(pattern: #"<tr( hidden="")?><td class="num" data-v="(\d+)">.*?</tr>"#)
        let ns = dom as NSString
        var visible: [(Int, String)] = [], hidden = 0
        for m in re.matches(in: dom, range: NSRange(location: 0, length: ns.length)) {
            if m.range(at: 1).location != NSNotFound { hidden += 1; continue }
            visible.append((Int(ns.substring(with: m.range(at: 2))) ?? -1, ns.substring(with: m.range)))
        }
        XCTAssertFalse(visible.isEmpty)
        XCTAssertGreaterThan(hidden, 0)
        XCTAssertTrue(visible.allSatisfy { $0.1.contains("nightly") }, "filter keeps only matching rows")
        XCTAssertEqual(visible.map(\.0), visible.map(\.0).sorted(), "sorted by seq ascending")
        XCTAssertTrue(dom.contains("aria-sort=\"ascending\""))
    }
}
