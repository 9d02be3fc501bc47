import XCTest
@testable import SdetkitCore
@testable import SdetkitEngine

/// Stands in for an action of another module (repo.audit, report.build) so the planner sees it registered.
private struct StubAction: AgentAction {
    let name: String
    var summary: String { "stub" }
    func run(_ params: JSONValue, in context: ActionContext) async -> ActionResult { .succeeded(name, params) }
}

/// Task words: whole words, case-insensitive, after the exact rules (docs/cli.md#tasks).
final class PlannerTests: XCTestCase {
    let registry = ActionRegistry.builtin.merging(ActionRegistry([StubAction(name: "repo.audit"), StubAction(name: "report.build")]))

    func plan(_ task: String) throws -> Plan { try Planner.plan(task, registry: registry) }

    func testAuditWordAnywhereRunsTheDefaultAudit() throws {
        for task in ["please audit the repo", "AUDIT this", "run an audit.", "audit, then stop", "can you (audit)?"] {
            let p = try plan(task)
            XCTAssertEqual(p.rule, "audit", task)
            XCTAssertEqual(p.actions, [PlannedAction(action: "repo.audit", params: ["profile": "default"])], task)
        }
    }

    func testExactAuditRuleKeepsItsParams() throws {
        XCTAssertEqual(try plan("audit").actions, [PlannedAction(action: "repo.audit", params: [:])])
        XCTAssertEqual(try plan("audit repo").actions, [PlannedAction(action: "repo.audit", params: [:])])
    }

    func testReportWordBuildsTheHTMLDashboardInTheWorkdir() throws {
        let p = try plan("weekly Report please")
        XCTAssertEqual(p.rule, "report")
        XCTAssertEqual(p.actions, [PlannedAction(action: "report.build",
                                                 params: ["format": "html", "output": ".sdetkit/agent/workdir/dashboard.html"])])
        XCTAssertEqual(try plan("audit report").rule, "audit", "audit comes before report, as in the Python planner")
    }

    func testPartsOfWordsMatchNothing() throws {
        for task in ["a robot both ways", "auditorium", "audits", "re-audit", "audit_log", "reporting", "reports",
                     "reporter", "subreport", "auditreport", "templates:x", "mytemplate:x"] {
            let p = try plan(task)
            XCTAssertEqual(p.rule, "none", task)
            XCTAssertTrue(p.actions.isEmpty, task)
            XCTAssertNil(p.template, task)
        }
    }

    func testTemplateTokenNamesTheTemplate() throws {
        for (task, id) in [("template:license-header-check", "license-header-check"), ("please run Template:repo-health-audit now", "repo-health-audit"),
                           ("(template:a.b)", "a.b"), ("audit with template:x", "x"), ("template:x template:x", "x")] {
            let p = try plan(task)
            XCTAssertEqual(p.rule, "template", task)
            XCTAssertEqual(p.template, id, task)
            XCTAssertTrue(p.actions.isEmpty, task)
        }
    }

    func testTemplateTokenErrorsAreOneLineUsageErrors() {
        for task in ["template:", "run template: x", "template:a template:b"] {
            XCTAssertThrowsError(try plan(task), task) { error in
                guard let e = error as? TaskSyntaxError else { return XCTFail("\(error)") }
                XCTAssertEqual(e.exitStatus, .usage)
                XCTAssertFalse(e.message.contains("\n"), e.message)
            }
        }
    }

    func testExistingRulesComeFirst() throws {
        XCTAssertEqual(try plan("read template:x").actions, [PlannedAction(action: "fs.read", params: ["path": "template:x"])])
        XCTAssertEqual(try plan("ls audit").actions, [PlannedAction(action: "fs.list", params: ["path": "audit"])])
        XCTAssertEqual(try plan("status").rule, "status")
        XCTAssertEqual(try plan("health-check").actions.count, 2)
        XCTAssertEqual(try plan(#"action fs.read {"path":"report"}"#).rule, "action")
        XCTAssertEqual(try plan("status report").rule, "report", "'status' alone is the status rule; with more words, task words decide")
    }

    func testKeywordsNeedTheirActionRegistered() throws {
        XCTAssertEqual(try Planner.plan("please audit the repo", registry: .builtin).rule, "none")
        XCTAssertEqual(try Planner.plan("report", registry: .builtin).rule, "none")
        XCTAssertEqual(try Planner.plan("template:x", registry: .builtin).template, "x", "templates are found when the task runs")
    }

    func testRecordedTaskDigestsContentTheWayParamsDo() throws {
        let task = #"action fs.write {"path":"w/s.txt","content":"SECRET-1"}"#
        let p = try plan(task)
        let recorded = p.recordedTask(task, registry: registry)
        XCTAssertFalse(recorded.contains("SECRET-1"), recorded)
        let params = registry.recordedParams(p.actions[0])
        XCTAssertEqual(recorded, "action fs.write " + CanonicalJSON.string(params))
        XCTAssertEqual(params["content_sha256"], .string(Digest.sha256Hex("SECRET-1")))
        let reordered = #"action   fs.write {"content":"SECRET-1", "path":"w/s.txt"}"#
        XCTAssertEqual(try plan(reordered).recordedTask(reordered, registry: registry), recorded, "same params, same recorded task")
        XCTAssertEqual(try plan("read README.md").recordedTask("read README.md", registry: registry), "read README.md")
        let plain = #"action fs.read {"path":"README.md"}"#
        XCTAssertEqual(try plan(plain).recordedTask(plain, registry: registry), plain, "a task without content is kept as written")
    }

    func testUnknownActionsAndNestedContentAreDigestedToo() throws {
        let task = #"action nope.x {"content":"S-2","items":[{"content":7}]}"#
        let recorded = try plan(task).recordedTask(task, registry: registry)
        XCTAssertFalse(recorded.contains("S-2"), recorded)
        XCTAssertFalse(recorded.contains(#""content":"#), recorded)
        XCTAssertTrue(recorded.contains(Digest.sha256Hex("7")), recorded)
    }
}
