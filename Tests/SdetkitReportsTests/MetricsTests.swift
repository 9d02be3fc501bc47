import XCTest
@testable import SdetkitCore
@testable import SdetkitReports
@testable import SdetkitStore

/// Every metric against the hand-computed answers for ``FixtureHistory/standard()``:
/// 16 runs over three days — 8 ok, 5 failed, 3 denied; template flip ok,failed,ok,failed; template gated
/// ok,denied,ok,denied; durations 100…1000 ms for runs 1–10, then 50, 60, 70, 80, 90, 10.
final class MetricsTests: XCTestCase {
    var h: FixtureHistory!
    var s: DashboardSummary!

    override func setUpWithError() throws {
        h = try FixtureHistory.standard()
        s = try h.dashboard().summary()
    }

    override func tearDown() {
        h = nil  // XCTest keeps every test-case instance alive: drop the fixture so its directory is removed now
        s = nil
    }

    func testRunCountsRateAndStreaks() {
        XCTAssertEqual([s.runs.total, s.runs.ok, s.runs.failed, s.runs.denied], [16, 8, 5, 3])
        XCTAssertEqual(s.runs.ok + s.runs.failed + s.runs.denied, s.runs.total)
        XCTAssertEqual(s.runs.successRate, 0.5)
        XCTAssertEqual(s.runs.latestStatus, "ok")
        XCTAssertEqual(s.runs.currentSuccessStreak, 2, "runs 15 and 16 after the denied run 14")
        XCTAssertEqual(s.runs.longestFailureStreak, 3, "runs 2 (failed), 3 (failed), 4 (denied)")
        XCTAssertEqual(s.generatedAt, "2023-11-17T05:46:40Z")
        XCTAssertEqual(s.throughSeq, 16)
    }

    func testSLOPercentilesIncidentsAndErrorBudget() {
        let slo = s.slo
        XCTAssertEqual(slo.targets, SLOTargets(successRate: 0.99, p95DurationMs: 3000))
        XCTAssertEqual(slo.successRate, 0.5)
        XCTAssertEqual(slo.successRateMet, false)
        // sorted: 10 50 60 70 80 90 100 200 | 300 … 1000 — nearest rank k = ⌈p·16⌉: 8, 16, 16.
        XCTAssertEqual(slo.durations, Percentiles(p50: 200, p95: 1000, p99: 1000))
        XCTAssertEqual(slo.p95Met, true)
        XCTAssertEqual(slo.incidents, 5)
        XCTAssertEqual(slo.errorBudget.allowed, 0.16)
        XCTAssertEqual(slo.errorBudget.used, 8)
        XCTAssertEqual(slo.errorBudget.remaining, -7.84)
        XCTAssertEqual(slo.errorBudget.usedFraction, 50)
        XCTAssertTrue(slo.errorBudget.exhausted)
    }

    func testSLOTargetsComeFromOptions() throws {
        let custom = try h.dashboard(DashboardOptions(slo: SLOTargets(successRate: 0.5, p95DurationMs: 1000))).summary()
        XCTAssertEqual(custom.slo.successRateMet, true, "0.5 ≥ 0.5")
        XCTAssertEqual(custom.slo.p95Met, false, "1000 is not < 1000")
        XCTAssertEqual(custom.slo.errorBudget.allowed, 8)
        XCTAssertEqual(custom.slo.errorBudget.usedFraction, 1)
        XCTAssertFalse(custom.slo.errorBudget.exhausted)
        let perfect = try h.dashboard(DashboardOptions(slo: SLOTargets(successRate: 1, p95DurationMs: 3000))).summary()
        XCTAssertNil(perfect.slo.errorBudget.usedFraction, "nothing allowed: no fraction")
    }

    func testNearestRankPercentilesOnAHundredRuns() throws {
        let big = try FixtureHistory(name: "pct")
        var runs: [(RunRecord, RunObservation)] = []
        for i in (1...100).reversed() {
            runs.append((FixtureHistory.record(task: "t", status: .ok, actions: []),
                         RunObservation(capturedAt: RunClock.rfc3339(epochSeconds: day0 + Int64(i)), durationMs: i, tool: "t", host: nil)))
        }
        try big.store.appendBatch(runs)
        let p = try big.dashboard().summary().slo.durations
        XCTAssertEqual(p, Percentiles(p50: 50, p95: 95, p99: 99))
    }

    func testTemplatesActionsFamiliesAndUtilisation() {
        XCTAssertEqual(s.topTemplates.map(\.name), ["flip", "gated"])
        XCTAssertEqual(s.topTemplates[0], GroupStat(name: "flip", runs: 4, ok: 2, failed: 2, denied: 0, failureRate: 0.5))
        XCTAssertEqual(s.topTemplates[1], GroupStat(name: "gated", runs: 4, ok: 2, failed: 0, denied: 2, failureRate: 0.5))
        XCTAssertEqual(s.templateCount, 2)
        XCTAssertEqual(s.topActions.map(\.action), ["fs.read", "fs.write", "fs.list", "shell.run", "git.status", "nope.x"])
        XCTAssertEqual(s.topActions[0], ActionStat(action: "fs.read", count: 5, ok: 2, failed: 3, denied: 0, failureRate: 0.6))
        XCTAssertEqual(s.topActions[1], ActionStat(action: "fs.write", count: 5, ok: 2, failed: 0, denied: 3, failureRate: 0.6))
        XCTAssertEqual(s.actionCount, 6)
        XCTAssertEqual(s.families.first(where: { $0.name == "template:flip" })?.runs, 4)
        XCTAssertEqual(s.families.first(where: { $0.name == "action:shell.run" })?.failed, 1)
        XCTAssertEqual(s.families.reduce(0) { $0 + $1.runs }, 16)
        let u = s.utilisation
        XCTAssertEqual([u.runs, u.runsWithActions, u.actions, u.maxActionsInRun, u.actionBudget, u.runsAtBudget], [16, 15, 16, 2, 10, 0])
        XCTAssertEqual(u.shareWithActions, 0.9375)
        XCTAssertEqual(u.actionsPerRun, 1)
        XCTAssertEqual(u.budgetUse, 0.1)
    }

    func testTopLimitAndActionBudget() throws {
        let t = try h.dashboard(DashboardOptions(actionBudget: 2, topLimit: 1)).summary()
        XCTAssertEqual(t.topTemplates.map(\.name), ["flip"])
        XCTAssertEqual(t.templateCount, 2)
        XCTAssertEqual(t.topActions.count, 1)
        XCTAssertEqual(t.utilisation.runsAtBudget, 1)
        XCTAssertEqual(t.utilisation.budgetUse, 0.5)
    }

    func testApprovals() {
        XCTAssertEqual(s.approvals, Approvals(approved: 4, autoApproved: 9, denied: 3, failedAfterApproval: 1))
    }

    func testFlakyCountsOkFailedSwitchesAndIgnoresDenials() {
        XCTAssertEqual(s.flaky, [FlakyTemplate(template: "flip", switches: 3, recent: ["ok", "failed", "ok", "failed"])])
    }

    func testFlakyLooksOnlyAtTheLastWindowOfRuns() throws {
        let f = try FixtureHistory(name: "window")
        // failed, ok, failed, then ten ok runs: the old switches fall out of a 10-run window.
        for st in [RunStatus.failed, .ok, .failed] + Array(repeating: .ok, count: 10) {
            try f.add(st, day: 0, ms: 1, template: "was-flaky", actions: [FixtureHistory.action("fs.read", st.rawValue)])
        }
        XCTAssertEqual(try f.dashboard().summary().flaky, [])
        XCTAssertEqual(try f.dashboard(DashboardOptions(flakyWindow: 13)).summary().flaky.first?.switches, 3)
    }

    func testFailuresNewestFirstWithReasons() {
        XCTAssertEqual(s.failureCount, 8)
        XCTAssertEqual(s.failures.map(\.seq), [14, 12, 10, 8, 6, 4, 3, 2])
        let two = s.failures.last
        XCTAssertEqual(two?.status, "failed")
        XCTAssertEqual(two?.reason, "nope.x: unknown action 'nope.x'")
        XCTAssertEqual(two?.capturedAt, "2023-11-14T01:20:00Z")
        XCTAssertEqual(two?.durationMs, 200)
        XCTAssertEqual(two?.hash.count, 64)
        XCTAssertEqual(s.failures.first?.template, "gated")
        let limited = try? h.dashboard(DashboardOptions(failureLimit: 3)).summary()
        XCTAssertEqual(limited?.failures.map(\.seq), [14, 12, 10])
        XCTAssertEqual(limited?.failureCount, 8)
    }

    func testDailyTrend() {
        XCTAssertEqual(s.daily, [
            DailyPoint(date: "2023-11-14", runs: 3, ok: 1, failed: 2, denied: 0, successRate: 0.333333),
            DailyPoint(date: "2023-11-15", runs: 3, ok: 1, failed: 1, denied: 1, successRate: 0.333333),
            DailyPoint(date: "2023-11-16", runs: 10, ok: 6, failed: 2, denied: 2, successRate: 0.6),
        ])
    }

    func testIntegrityComesFromAVerificationRun() throws {
        XCTAssertTrue(s.integrity.verified)
        XCTAssertEqual(s.integrity.entries, 16)
        XCTAssertEqual(s.integrity.head, try h.store.ledgerEntries().last?.chain)
        XCTAssertNil(s.integrity.problem)
        // A record edited after it was indexed: the index's incremental check cannot see it; verification does.
        let hash = try XCTUnwrap(try h.store.ledgerEntries().first?.hash)
        let path = h.store.objectPath(hash)
        chmod(path, 0o644)
        var bytes = try XCTUnwrap(FileManager.default.contents(atPath: path))
        bytes[bytes.count / 2] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: path))
        let tampered = try h.dashboard().summary()
        XCTAssertFalse(tampered.integrity.verified, "a dashboard never says verified while 'history verify' fails")
        XCTAssertTrue(tampered.integrity.problem?.hasPrefix("edited-record: ") == true, tampered.integrity.problem ?? "nil")
        XCTAssertTrue(String(decoding: try h.render(.md), as: UTF8.self).contains("**NOT verified**"))
    }

    func testFilters() throws {
        func summary(_ f: DashboardFilter) throws -> DashboardSummary { try h.dashboard(DashboardOptions(filter: f)).summary() }
        let flip = try summary(DashboardFilter(template: "flip"))
        XCTAssertEqual([flip.runs.total, flip.runs.ok, flip.runs.failed], [4, 2, 2])
        XCTAssertEqual(flip.topActions.map(\.action), ["fs.read"])
        XCTAssertEqual(flip.approvals.autoApproved, 4)
        XCTAssertEqual(flip.runs.longestFailureStreak, 1)
        let failed = try summary(DashboardFilter.parse(since: nil, until: nil, template: nil, status: "failed"))
        XCTAssertEqual(failed.runs.total, 5)
        XCTAssertEqual(failed.failures.map(\.seq), [10, 8, 6, 3, 2])
        let since = try summary(DashboardFilter.parse(since: "2023-11-15", until: nil, template: nil, status: nil))
        XCTAssertEqual(since.runs.total, 13)
        XCTAssertEqual(since.daily.map(\.date), ["2023-11-15", "2023-11-16"])
        let until = try summary(DashboardFilter.parse(since: nil, until: "2023-11-15", template: nil, status: nil))
        XCTAssertEqual(until.runs.total, 6, "a bare date as --until includes that whole day")
        let instant = try summary(DashboardFilter.parse(since: "2023-11-14T01:10:00Z", until: "2023-11-14T01:30:00Z", template: nil, status: nil))
        XCTAssertEqual(instant.failures.map(\.seq), [2], "runs at 01:10 (seq 1, ok) and 01:20 (seq 2); 01:30 is excluded")
        XCTAssertEqual(instant.runs.total, 2)
        XCTAssertEqual(try summary(DashboardFilter(template: "nope")).runs.total, 0)
    }

    func testBadFiltersAreUsageErrors() {
        XCTAssertThrowsError(try DashboardFilter.parse(since: "yesterday", until: nil, template: nil, status: nil)) { e in
            XCTAssertEqual((e as? ReportError)?.exitStatus, .usage)
            XCTAssertTrue((e as? ReportError)?.message.contains("--since") ?? false)
        }
        XCTAssertThrowsError(try DashboardFilter.parse(since: nil, until: nil, template: nil, status: "broken"))
        XCTAssertThrowsError(try DashboardFilter.parse(since: "2023-11-16", until: "2023-11-15T00:00:00Z", template: nil, status: nil))
    }

    func testEmptyHistory() throws {
        let e = try FixtureHistory(name: "empty")
        let s = try e.dashboard().summary()
        XCTAssertEqual(s.runs.total, 0)
        XCTAssertNil(s.runs.successRate)
        XCTAssertNil(s.runs.latestStatus)
        XCTAssertEqual(s.slo.durations, Percentiles())
        XCTAssertNil(s.slo.successRateMet)
        XCTAssertFalse(s.slo.errorBudget.exhausted)
        XCTAssertTrue(s.integrity.verified)
        XCTAssertEqual(s.integrity.entries, 0)
        for f in DashboardFormat.allCases { XCTAssertFalse(try e.render(f).isEmpty, "\(f)") }
    }
}
