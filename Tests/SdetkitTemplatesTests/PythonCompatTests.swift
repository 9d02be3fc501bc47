import XCTest
import SdetkitCore
import SdetkitEngine
import SdetkitRuntime
@testable import SdetkitTemplates

/// The Python sdetkit 1.2.0's own template files (Tests/Fixtures/python-sdetkit-1.2.0) validate, migrate and run.
final class PythonCompatTests: XCTestCase {
    static let data = Path.dirname(Path.dirname(Path.dirname(#filePath))) + "/Tests/Fixtures/python-sdetkit-1.2.0"
    static let workflowFile = "enterprise-followup-pass-handoff.yaml"
    /// What the Python tool ran green in a fresh repository without shell.run or kits.* (its README).
    static let green = ["baseline-update-gated", "change-only-audit", "ci-artifact-bundle", "repo-health-audit",
                        "report-dashboard", "security-governance-summary"]
    static let kits = ["path-traversal-autofix-worker", "repo-expansion-control"]

    var repo: TempRepo!

    override func setUpWithError() throws { repo = try TempRepo("py") }
    override func tearDown() { repo.remove() }

    var files: [String] { FileSystem.list(Self.data + "/templates").filter { $0.hasSuffix(".yaml") }.sorted() }

    func text(_ name: String) throws -> String { try FileSystem.readString(Self.data + "/templates/" + name) }

    func install(skipWorkflow: Bool = true) throws {
        for f in files where !(skipWorkflow && f == Self.workflowFile) {
            try repo.write("templates/automations/" + f, try text(f))
        }
        try repo.commit("python templates")
    }

    func testEveryFileValidatesOrGetsItsOneClearLine() throws {
        XCTAssertEqual(files.count, 19)
        let registry = Toolkit.registry()
        var invalid: [String: [TemplateIssue]] = [:]
        for f in files {
            let found = issues(try text(f), file: "templates/automations/" + f, registry: registry)
            if !found.isEmpty { invalid[f] = found }
        }
        XCTAssertEqual(Set(invalid.keys), Set([Self.workflowFile] + Self.kits.map { $0 + ".yaml" }), "\(invalid)")
        let wf = try XCTUnwrap(invalid[Self.workflowFile])
        XCTAssertEqual(wf.count, 1, "one line for the workflow file: \(wf)")
        XCTAssertTrue(wf[0].problem.hasPrefix("this is a GitHub Actions workflow, not a template"), wf[0].problem)
        XCTAssertNotNil(wf[0].line)
        for k in Self.kits {
            for i in invalid[k + ".yaml"] ?? [] {
                XCTAssertTrue(i.problem.contains("kits.") && i.problem.contains("sdetkit agent templates migrate templates/automations/\(k).yaml --write"), i.text)
                XCTAssertNotNil(i.line)
            }
        }
    }

    func testMigratedTemplatesValidateAndTheWorkflowFileIsRefused() throws {
        let registry = Toolkit.registry()
        for f in files {
            let m = TemplateMigrator.migrate(text: try text(f), file: f, registry: registry)
            if f == Self.workflowFile {
                XCTAssertEqual(m.problems.count, 1)
                XCTAssertFalse(m.changed)
                continue
            }
            XCTAssertEqual(m.problems, [], f)
            XCTAssertNoThrow(try parse(m.migrated, file: f, registry: registry), f)
            let again = TemplateMigrator.migrate(text: m.migrated, file: f, registry: registry)
            XCTAssertFalse(again.changed, "migration is idempotent: \(f)\n\(again.diff)")
        }
        let m = TemplateMigrator.migrate(text: try text("path-traversal-autofix-worker.yaml"), file: "p.yaml", registry: registry)
        XCTAssertFalse(m.migrated.contains("action: kits."), m.migrated)
        XCTAssertTrue(m.migrated.contains("outputs: {json: path-traversal-repo-audit.json, sarif: path-traversal-repo-audit.sarif.json}"))
        XCTAssertTrue(m.migrated.contains("    default: default\n    description: Repo audit profile"))
        XCTAssertTrue(m.diff.hasPrefix("--- a/p.yaml\n+++ b/p.yaml\n@@ "), m.diff)
        XCTAssertTrue(m.diff.contains("\n-    action: kits.optimize\n"), m.diff)
    }

    func testMigrationRefusesWhatItCannotRewriteSafely() throws {
        let registry = Toolkit.registry()
        let flow = """
        metadata: {id: f, title: F}
        workflow:
          - {id: plan, action: kits.optimize, with: {goal: x}}
          - id: note
            action: fs.write
            with: {path: "${{run.output_dir}}/n.txt", content: "${{steps.plan.outputs.goal}}"}
        """
        let m = TemplateMigrator.migrate(text: flow, file: "f.yaml", registry: registry)
        XCTAssertFalse(m.changed)
        XCTAssertEqual(m.problems.map(\.line), [3], "\(m.problems)")
        XCTAssertTrue(m.problems[0].problem.contains("flow style"))

        let uses = """
        metadata: {id: u, title: U}
        workflow:
          - id: plan
            action: kits.expand
            with:
              goal: x
          - id: note
            action: fs.write
            with:
              path: ${{run.output_dir}}/n.txt
              content: "${{steps.plan.outputs.goal}}"
        """
        let u = TemplateMigrator.migrate(text: uses, file: "u.yaml", registry: registry)
        XCTAssertFalse(u.changed)
        XCTAssertTrue(u.problems.contains { $0.problem.contains("uses the outputs of step 'plan'") }, "\(u.problems)")
    }

    func testMigrateWriteKeepsABackupAndNeverFollowsALink() throws {
        try install()
        let rel = "templates/automations/repo-expansion-control.yaml"
        let original = try repo.read(rel)
        let m = TemplateMigrator.migrate(text: original, file: rel, registry: Toolkit.registry())
        XCTAssertEqual(try TemplateMigrator.write(m, to: repo.root + "/" + rel), repo.root + "/" + rel + ".bak")
        XCTAssertEqual(try repo.read(rel + ".bak"), original)
        XCTAssertEqual(try repo.read(rel), m.migrated)

        try TempRepo.shell("ln -s '\(repo.root)/README.md' '\(repo.root)/templates/automations/link.yaml'")
        XCTAssertThrowsError(try TemplateMigrator.write(m, to: repo.root + "/templates/automations/link.yaml"))
        XCTAssertEqual(try repo.read("README.md"), "# scratch\n")
    }

    func testGreenTemplatesRunGreenAndShellOnesNameTheAllowlist() async throws {
        try install()
        let ws = try repo.workspace()
        let catalog = TemplateCatalog.discover(repoRoot: repo.root, registry: ws.registry)
        for id in Self.green {
            let found = try catalog.find(id)
            XCTAssertEqual(found.source, "templates/automations/\(id).yaml", "the repository's copy runs, not a shipped one")
            let r = try await TemplateRunner.run(found.template, sets: [], in: ws)
            XCTAssertEqual(r.status, .ok, "\(id): \(r.run.record.actions.map(\.reason))")
        }
        let audit = try await TemplateRunner.run(try catalog.find("repo-health-audit").template, sets: [], in: ws)
        let step = try XCTUnwrap(audit.run.record.actions.first)
        XCTAssertTrue(step.reason.contains("warning: profile 'strict' is not a profile here"), step.reason)
        XCTAssertEqual(step.result["profile"], "default")
        XCTAssertEqual(step.result["profile_requested"], "strict")
        XCTAssertEqual(Set(audit.run.record.artifacts.map { Path.basename($0.path) }), ["repo-audit.json", "repo-audit.sarif.json"])
        XCTAssertTrue(repo.exists(".sdetkit/agent/template-runs/repo-health-audit/repo-audit.sarif.json"))

        let bundle = try await TemplateRunner.run(try catalog.find("ci-artifact-bundle").template, sets: [], in: ws)
        let tar = repo.root + "/.sdetkit/agent/template-runs/ci-artifact-bundle/artifacts.tar"
        let listing = try TempRepo.shellOutput("tar tf '\(tar)'")
        XCTAssertEqual(listing, "MANIFEST.sha256\nmanifest.txt\n", "names relative to source_dir, the archive itself left out")
        XCTAssertEqual(bundle.status, .ok)

        let shellTemplates = ["adapter-smoke-worker", "dependency-outdated-report", "dependency-radar-worker", "docs-search-radar",
                              "integration-topology-worker", "precommit-style-checks", "release-readiness-worker",
                              "runtime-watchlist-worker", "validation-route-worker", "worker-alignment-radar"]
        for id in shellTemplates {
            let r = try await TemplateRunner.run(try catalog.find(id).template, sets: [], in: ws)
            XCTAssertEqual(r.status, .denied, id)
            let why = r.run.record.actions.first { $0.denied }?.reason ?? ""
            XCTAssertTrue(why.contains("safety.shell_allowlist"), "\(id): \(why)")
        }
    }

    func testKitsTemplatesRunAfterMigration() async throws {
        try install()
        let ws = try repo.workspace()
        for id in Self.kits {
            let rel = "templates/automations/\(id).yaml"
            XCTAssertThrowsError(try TemplateCatalog.discover(repoRoot: repo.root, registry: ws.registry).find(id))
            let m = TemplateMigrator.migrate(text: try repo.read(rel), file: rel, registry: ws.registry)
            _ = try TemplateMigrator.write(m, to: repo.root + "/" + rel)
            let found = try TemplateCatalog.discover(repoRoot: repo.root, registry: ws.registry).find(id)
            let r = try await TemplateRunner.run(found.template, sets: [], in: ws)
            XCTAssertEqual(r.status, .ok, "\(id): \(r.run.record.actions.map(\.reason))")
        }
        let kb = try JSONParser.parse(repo.read(".sdetkit/agent/template-runs/path-traversal-autofix-worker/path-traversal-adaptive-review-kb.json"))
        XCTAssertEqual(kb["schema_version"], "1.0")
        XCTAssertNotNil(kb["recurring_failures"]?.arrayValue)
    }

    func testAnInvalidRepositoryOverrideIsNotReplacedByTheShippedTemplate() throws {
        try repo.write("templates/automations/repo-health-audit.yaml", """
        metadata: {id: repo-health-audit, title: Mine}
        workflow:
          - id: x
            action: no.such
        """)
        let catalog = TemplateCatalog.discover(repoRoot: repo.root, registry: Toolkit.registry())
        XCTAssertFalse(catalog.templates.contains { $0.id == "repo-health-audit" }, "the shipped template must not run in its place")
        XCTAssertEqual(catalog.invalid.first?.id, "repo-health-audit")
        XCTAssertEqual(catalog.invalid.first?.shadowsShipped, true)
        XCTAssertThrowsError(try catalog.find("repo-health-audit")) { e in
            XCTAssertTrue("\(e)".contains("unknown action 'no.such'"), "\(e)")
        }
    }

    func testReviewAdaptiveRanksByFrequencyThenRecency() async throws {
        let ws = try repo.workspace()
        for task in ["action fs.write {\"path\":\"/etc/a\",\"content\":\"x\"}", "action fs.read {\"path\":\"missing.md\"}",
                     "action fs.write {\"path\":\"/etc/b\",\"content\":\"x\"}", "action fs.read {\"path\":\"README.md\"}"] {
            _ = try await ws.run(task: task, dryRun: false)
        }
        let t = try parse("""
        metadata: {id: kb, title: KB}
        workflow:
          - id: review
            action: review.adaptive
            with:
              history_dir: .sdetkit/agent/history
              output: ${{run.output_dir}}/kb.json
              limit: 5
        """, registry: ws.registry)
        let r = try await TemplateRunner.run(t, inputs: [:], in: ws)
        XCTAssertEqual(r.status, .ok, "\(r.run.record.actions.map(\.reason))")
        let kb = try JSONParser.parse(repo.read(".sdetkit/agent/template-runs/kb/kb.json"))
        XCTAssertEqual(kb["records"], 4)
        let rows = try XCTUnwrap(kb["recurring_failures"]?.arrayValue)
        XCTAssertEqual(rows.map { $0["action"] }, ["fs.write", "fs.read"], "two denials first, then one failure")
        XCTAssertEqual(rows[0]["denied"], 2)
        XCTAssertEqual(rows[0]["last_seq"], 3)
        XCTAssertEqual(rows[1]["failed"], 1)
        XCTAssertEqual(kb["top_errors"]?.arrayValue?.count, 3, "three different reasons")

        let bad = try parse("""
        metadata: {id: kb2, title: KB}
        workflow:
          - id: review
            action: review.adaptive
            with: {history_dir: /etc}
        """, registry: ws.registry)
        let refused = try await TemplateRunner.run(bad, inputs: [:], in: ws)
        XCTAssertEqual(refused.status, .failed)
        XCTAssertTrue(refused.run.record.actions[0].reason.contains("history_dir can only be .sdetkit/agent/history"))
    }

    func testUnifiedDiff() {
        XCTAssertEqual(LineDiff.unified("a\nb\nc\n", "a\nb\nc\n", file: "f"), "")
        XCTAssertEqual(LineDiff.unified("a\nb\nc\n", "a\nB\nc\n", file: "f"), "--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n")
        let old = (1...20).map { "l\($0)" }.joined(separator: "\n") + "\n"
        let new = old.replacingOccurrences(of: "l2\n", with: "").replacingOccurrences(of: "l19\n", with: "l19\nnew\n")
        XCTAssertEqual(LineDiff.unified(old, new, file: "f"),
                       "--- a/f\n+++ b/f\n@@ -1,5 +1,4 @@\n l1\n-l2\n l3\n l4\n l5\n@@ -17,4 +16,5 @@\n l17\n l18\n l19\n+new\n l20\n")
    }
}
