import XCTest
@testable import SdetkitConfig
@testable import SdetkitCore
@testable import SdetkitEngine
@testable import SdetkitPolicy
@testable import SdetkitReports
@testable import SdetkitStore

final class ActionTests: XCTestCase {
    func context(_ h: FixtureHistory, outputDir: String? = nil, dryRun: Bool = false,
                 config: AgentConfig = AgentConfig()) -> ActionContext {
        let layout = StateLayout(repoRoot: FileSystem.realPath(h.root) ?? h.root)
        let policy = PolicyEngine(repoRoot: layout.repoRoot,
                                  settings: PolicySettings(writeAllowlist: config.safety.writeAllowlist, shellAllowlist: []),
                                  approval: .nonInteractive, auditLogPath: nil, clock: RunClock(fixedEpoch: 1_700_200_000))
        return ActionContext(layout: layout, policy: policy, config: config, dryRun: dryRun, clock: RunClock(fixedEpoch: 1_700_200_000),
                             outputDir: outputDir, registry: ActionRegistry(Reports.actions))
    }

    func testRegistered() {
        XCTAssertEqual(ActionRegistry(Reports.actions).names, ["report.build", "review.adaptive"])
    }

    func testWritesTheSameDashboardIntoTheWorkdirThroughPolicy() async throws {
        let h = try FixtureHistory.standard()
        let r = await ReportBuildAction().run(["format": "json", "output": "dash.json"], in: context(h))
        XCTAssertTrue(r.outcome.ok, r.outcome.reason)
        XCTAssertEqual(r.outputs["path"], ".sdetkit/agent/workdir/dash.json")
        XCTAssertEqual(r.outputs["runs"], 16)
        XCTAssertEqual(r.outputs["success_rate"], 0.5)
        let written = try FileSystem.readBytes(h.root + "/.sdetkit/agent/workdir/dash.json")
        XCTAssertEqual(written, try h.render(.json), "same code as the CLI")
        XCTAssertEqual(r.artifacts.first?.sha256, Digest.sha256Hex(written))
        XCTAssertEqual(r.artifacts.first?.path, ".sdetkit/agent/workdir/dash.json")
    }

    func testDefaultsFiltersAndOutputDir() async throws {
        let h = try FixtureHistory.standard()
        try FileSystem.createDirectories(h.root + "/.sdetkit/agent/workdir/run-1")
        let ctx = context(h, outputDir: ".sdetkit/agent/workdir/run-1")
        let r = await ReportBuildAction().run(["template": "flip"], in: ctx)
        XCTAssertTrue(r.outcome.ok, r.outcome.reason)
        XCTAssertEqual(r.outputs["path"], ".sdetkit/agent/workdir/run-1/dashboard.html")
        XCTAssertEqual(r.outputs["runs"], 4)
        let html = try FileSystem.readString(h.root + "/.sdetkit/agent/workdir/run-1/dashboard.html")
        XCTAssertTrue(html.contains("template flip"))
        let csv = await ReportBuildAction().run(["format": "csv", "output": "s.csv", "csv_table": "summary"], in: ctx)
        XCTAssertTrue(csv.outcome.ok, csv.outcome.reason)
        XCTAssertTrue(try FileSystem.readString(h.root + "/.sdetkit/agent/workdir/run-1/s.csv").contains("runs.total,16"))
    }

    func testPythonOutputPathsInsideTheOutputDir() async throws {
        let h = try FixtureHistory.standard()
        try FileSystem.createDirectories(h.root + "/.sdetkit/agent/workdir/run-1")
        let ctx = context(h, outputDir: ".sdetkit/agent/workdir/run-1")
        let r = await ReportBuildAction().run(["format": "md", "output": ".sdetkit/agent/workdir/run-1/dashboard.md"], in: ctx)
        XCTAssertTrue(r.outcome.ok, r.outcome.reason)
        XCTAssertEqual(r.outputs["path"], ".sdetkit/agent/workdir/run-1/dashboard.md", "not nested twice")
        let nested = await ReportBuildAction().run(["format": "md", "output": "sub/d.md"], in: ctx)
        XCTAssertTrue(nested.outcome.ok, nested.outcome.reason)
        XCTAssertEqual(nested.outputs["path"], ".sdetkit/agent/workdir/run-1/sub/d.md")
    }

    func testSLOComesFromTheConfig() async throws {
        let h = try FixtureHistory.standard()
        var config = AgentConfig()
        config.slo = AgentConfig.SLO(successRate: 0.5, p95DurationMs: 900)
        let r = await ReportBuildAction().run(["format": "json", "output": "slo.json"], in: context(h, config: config))
        XCTAssertTrue(r.outcome.ok, r.outcome.reason)
        let v = try JSONParser.parse(bytes: try FileSystem.readBytes(h.root + "/.sdetkit/agent/workdir/slo.json"))
        XCTAssertEqual(v["slo"]?["targets"], ["success_rate": 0.5, "p95_duration_ms": 900])
        XCTAssertEqual(v["slo"]?["success_rate_met"], true)
        XCTAssertEqual(v["slo"]?["p95_met"], false)
    }

    func testOutsideTheAllowlistIsDeniedAndNothingIsWritten() async throws {
        let h = try FixtureHistory.standard()
        try FileSystem.createDirectories(h.root + "/docs")
        let r = await ReportBuildAction().run(["format": "md", "output": "d.md"], in: context(h, outputDir: "docs"))
        XCTAssertTrue(r.outcome.denied, r.outcome.reason)
        XCTAssertFalse(r.outcome.ok)
        XCTAssertFalse(FileSystem.exists(h.root + "/docs/d.md"))
    }

    func testBadParamsFailWithAReason() async throws {
        let h = try FixtureHistory.standard()
        let ctx = context(h)
        for (params, words) in [
            (["format": "pdf"], "'format' must be json, md, html or csv"),
            (["output": "../escape.html"], "'output' must be a file name"),
            (["format": 3], "'format' must be a string"),
            (["since": "last tuesday"], "report.build param since: 'last tuesday' is not a date"),
            (["status": "meh"], "not a run status"),
            (["csv_table": "cols"], "'csv_table' must be runs or summary"),
        ] as [(JSONValue, String)] {
            let r = await ReportBuildAction().run(params, in: ctx)
            XCTAssertFalse(r.outcome.ok)
            XCTAssertFalse(r.outcome.denied)
            XCTAssertTrue(r.outcome.reason.contains(words), "\(params): \(r.outcome.reason)")
        }
    }

    func testDryRunWritesNothing() async throws {
        let h = try FixtureHistory.standard()
        let r = await ReportBuildAction().run(["format": "html", "output": "x.html"], in: context(h, dryRun: true))
        XCTAssertTrue(r.outcome.ok, r.outcome.reason)
        XCTAssertTrue(r.outcome.reason.hasPrefix("dry run"))
        XCTAssertFalse(FileSystem.exists(h.root + "/.sdetkit/agent/workdir/x.html"))
    }
}
