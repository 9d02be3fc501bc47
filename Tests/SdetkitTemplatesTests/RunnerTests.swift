import XCTest
import SdetkitCore
import SdetkitEngine
import SdetkitPolicy
@testable import SdetkitTemplates

final class RunnerTests: XCTestCase {
    var repo: TempRepo!

    override func setUpWithError() throws { repo = try TempRepo("run") }
    override func tearDown() { repo.remove() }

    let flip = """
    metadata:
      id: flip
      title: Flip
      version: "1.0"
      description: ok or failed by input
    inputs:
      path:
        default: README.md
    workflow:
      - id: read
        action: fs.read
        with:
          path: "${{ inputs.path }}"
    outputs:
      sha: "${{ steps.read.outputs.sha256 }}"

    """

    func testEachRunIsOneRecordedTemplateRun() async throws {
        let ws = try repo.workspace()
        let t = try parse(flip)
        let ok = try await TemplateRunner.run(t, sets: [], in: ws)
        XCTAssertEqual(ok.status, .ok, "\(ok.run.record.actions)")
        XCTAssertEqual(repo.ledgerCount(), 1)
        let failed = try await TemplateRunner.run(t, sets: ["path=missing.md"], in: ws)
        XCTAssertEqual(failed.status, .failed)
        XCTAssertEqual(repo.ledgerCount(), 2)

        let r = ok.run.record
        XCTAssertEqual(r.kind, "template.run")
        XCTAssertEqual(r.task, "template flip")
        XCTAssertEqual(r.planner, "template")
        XCTAssertEqual(r.templateID, "flip")
        XCTAssertEqual(r.template?["version"], "1.0")
        XCTAssertEqual(r.template?["digest"], .string(Digest.sha256Hex(flip)))
        XCTAssertEqual(r.template?["inputs"], ["path": "README.md"])
        XCTAssertEqual(r.template?["output_dir"], ".sdetkit/agent/template-runs/flip")
        XCTAssertEqual(r.actions.map(\.step), ["read"])
        XCTAssertEqual(r.steps.map(\.role), ["manager", "worker", "reviewer"])
        XCTAssertEqual(ok.outputs["sha"], .string(Digest.sha256Hex("# scratch\n")))
        XCTAssertEqual(failed.run.record.template?["inputs"], ["path": "missing.md"])

        // run-record.json is the RunResult JSON, written through policy into the output directory.
        XCTAssertEqual(ok.recordFile, ".sdetkit/agent/template-runs/flip/run-record.json")
        let saved = try JSONParser.parse(repo.read(".sdetkit/agent/template-runs/flip/run-record.json"))
        XCTAssertEqual(saved["status"], "failed", "the second run overwrote the first")
        XCTAssertEqual(saved["hash"], .string(failed.run.hash))
        XCTAssertFalse(try repo.read(".sdetkit/agent/template-runs/flip/run-record.json").contains(repo.root))
    }

    func testSameRunSameHash() async throws {
        let ws = try repo.workspace()
        let t = try parse(flip)
        let a = try await TemplateRunner.run(t, sets: [], in: ws)
        let b = try await TemplateRunner.run(t, sets: [], in: ws)
        XCTAssertEqual(a.run.hash, b.run.hash)
        XCTAssertEqual([a.run.entry?.seq, b.run.entry?.seq], [1, 2])
    }

    func testWhenSkipsAndContinueOnErrorTolerates() async throws {
        let t = try parse("""
        metadata: {id: mix, title: Mix}
        inputs:
          flag: {type: boolean, default: false}
        workflow:
          - id: missing
            action: fs.read
            continue_on_error: true
            with: {path: nope.txt}
          - id: maybe
            action: fs.list
            when: "${{ inputs.flag }}"
          - id: never
            action: fs.list
            when: false
          - id: write
            action: fs.write
            with:
              path: "${{ run.output_dir }}/note.txt"
              content: "sha=[${{ steps.missing.outputs.sha256 }}] entries=[${{ steps.maybe.outputs.count }}]"
        """)
        let ws = try repo.workspace()
        let r = try await TemplateRunner.run(t, sets: [], in: ws)
        let a = r.run.record.actions
        XCTAssertEqual(r.status, .ok, "\(a)")
        XCTAssertEqual(a.map(\.step), ["missing", "maybe", "never", "write"])
        XCTAssertTrue(a[0].ok && a[0].reason.hasPrefix("failed (continue_on_error): ") && a[0].result["failed"] == true, "\(a[0])")
        XCTAssertTrue(a[1].ok && a[1].reason.hasPrefix("skipped: when is false") && a[1].result["skipped"] == true, "\(a[1])")
        XCTAssertEqual(a[2].result["skipped"], true)
        XCTAssertEqual(try repo.read(".sdetkit/agent/template-runs/mix/note.txt"), "sha=[] entries=[]")
        XCTAssertTrue(r.run.record.steps.last?.detail.contains("2 skipped") == true)

        let on = try await TemplateRunner.run(t, sets: ["flag=true"], in: ws)
        XCTAssertEqual(on.run.record.actions[1].result["skipped"], nil)
        XCTAssertEqual(try repo.read(".sdetkit/agent/template-runs/mix/note.txt"), "sha=[] entries=[2]")
    }

    func testAFailedStepStopsTheWorkflow() async throws {
        let t = try parse("""
        metadata: {id: stop, title: Stop}
        workflow:
          - id: a
            action: fs.read
            with: {path: nope.txt}
          - id: b
            action: fs.list
        """)
        let r = try await TemplateRunner.run(t, sets: [], in: try repo.workspace())
        XCTAssertEqual(r.status, .failed)
        XCTAssertEqual(r.run.record.actions.map(\.step), ["a"])
        XCTAssertTrue(r.run.record.steps.contains { $0.detail.contains("not run after step 'a'") && $0.detail.contains("b") })
    }

    func testRetriesRerunFailedSteps() async throws {
        func template(_ max: Int) throws -> Template {
            try parse("""
            metadata: {id: flaky, title: Flaky}
            workflow:
              - id: f
                action: test.flaky
                with: {succeed_on: 3}
                retries: {max: \(max), backoff_seconds: 0.01}
            """)
        }
        let ws = try repo.workspace(extra: [FlakyAction()])
        let enough = try await TemplateRunner.run(try template(2), sets: [], in: ws)
        XCTAssertEqual(enough.status, .ok)
        XCTAssertEqual(enough.run.record.actions[0].result["attempts"], .number(3))
        try FileSystem.writeAtomically("0", to: repo.root + "/.sdetkit/flaky-count")
        let short = try await TemplateRunner.run(try template(1), sets: [], in: ws)
        XCTAssertEqual(short.status, .failed)
        XCTAssertEqual(short.run.record.actions[0].result["attempts"], .number(2))
    }

    func testDeniedStepsAreNotRetried() async throws {
        let t = try parse("""
        metadata: {id: deny, title: Deny}
        workflow:
          - id: w
            action: fs.write
            with: {path: src/x.txt, content: x}
            retries: {max: 3, backoff_seconds: 5}
            continue_on_error: true
        """)
        let started = RunClock.monotonicMillis()
        let r = try await TemplateRunner.run(t, sets: [], in: try repo.workspace(approval: .granted))
        XCTAssertEqual(r.status, .denied, "denials are never retried or tolerated")
        XCTAssertLessThan(RunClock.monotonicMillis() - started, 4000)
        XCTAssertFalse(repo.exists("src/x.txt"))
    }

    func testTimeoutFailsTheStep() async throws {
        let t = try parse("""
        metadata: {id: slow, title: Slow}
        workflow:
          - id: s
            action: test.slow
            with: {seconds: 5}
            timeout_seconds: 0.2
        """)
        let started = RunClock.monotonicMillis()
        let r = try await TemplateRunner.run(t, sets: [], in: try repo.workspace(extra: [SlowAction()]))
        XCTAssertEqual(r.status, .failed)
        XCTAssertTrue(r.run.record.actions[0].reason.contains("timed out after 0.2 s"), r.run.record.actions[0].reason)
        XCTAssertLessThan(RunClock.monotonicMillis() - started, 3000)
    }

    /// The acceptance "sneaky" template: values from --set are text in strings and still go through policy.
    func testSetCannotWidenPolicy() async throws {
        let outside = "/tmp/sdetkit-tpl-outside-\(UInt32.random(in: 0...UInt32.max))"
        try FileSystem.createDirectories(outside)
        defer { try? FileManager.default.removeItem(atPath: outside) }
        try repo.write("templates/automations/sneaky.yaml", """
        metadata:
          id: sneaky
          title: Sneaky
          version: "1.0"
          description: tries to escape
        inputs:
          command:
            default: "git status"
          path:
            default: ".sdetkit/agent/workdir/ok.txt"
        workflow:
          - id: cmd
            action: shell.run
            with:
              cmd: "${{ inputs.command }}"
            continue_on_error: true
          - id: write
            action: fs.write
            with:
              path: "${{ inputs.path }}"
              content: "x"

        """)
        // `git status` is allowlisted, so the write step is reached when the command is harmless.
        try FileSystem.createDirectories(repo.root + "/.sdetkit/agent")
        try FileSystem.writeAtomically("version: 1\nsafety:\n  shell_allowlist:\n    - [git, status]\n",
                                       to: repo.root + "/.sdetkit/agent/config.yaml")
        let ws = try repo.workspace(approval: .granted)
        let found = try TemplateCatalog.discover(repoRoot: repo.root, registry: ws.registry).find("sneaky")
        XCTAssertEqual(found.source, "templates/automations/sneaky.yaml")

        let command = try await TemplateRunner.run(found.template, sets: ["command=touch \(outside)/marker"], in: ws)
        XCTAssertEqual(command.status, .denied)
        XCTAssertTrue(command.run.record.actions[0].denied, "not allowlisted, even with --approve")
        XCTAssertFalse(FileSystem.exists(outside + "/marker"))

        let escapes = "../../" + (Path.relative(outside, to: "/tmp") ?? "x") + "/written"
        let relative = try await TemplateRunner.run(found.template, sets: ["path=\(escapes)"], in: ws)
        XCTAssertEqual(relative.run.record.actions.map(\.denied), [false, true], "\(relative.run.record.actions)")
        XCTAssertEqual(relative.status, .denied)

        let absolute = try await TemplateRunner.run(found.template, sets: ["path=\(outside)/abs"], in: ws)
        XCTAssertEqual(absolute.run.record.actions.map(\.denied), [false, true])

        let both = try await TemplateRunner.run(found.template, sets: ["command=git status; touch \(outside)/m2"], in: ws)
        XCTAssertTrue(both.run.record.actions[0].denied, "shell features in a --set value are refused")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: outside), [], "nothing written outside the repository")

        let fine = try await TemplateRunner.run(found.template, sets: [], in: ws)
        XCTAssertEqual(fine.status, .ok, "\(fine.run.record.actions)")
        XCTAssertTrue(repo.exists(".sdetkit/agent/workdir/ok.txt"))
    }

    func testOutputDirOverride() async throws {
        let ws = try repo.workspace()
        let t = try parse(flip)
        let r = try await TemplateRunner.run(t, sets: [], outputDir: ".sdetkit/agent/workdir/custom", in: ws)
        XCTAssertEqual(r.recordFile, ".sdetkit/agent/workdir/custom/run-record.json")
        XCTAssertEqual(r.run.record.template?["output_dir"], ".sdetkit/agent/workdir/custom")
        let outsideAllowlist = try await TemplateRunner.run(t, sets: [], outputDir: "docs/out", in: ws)
        XCTAssertNotNil(outsideAllowlist.recordFileProblem, "writes still obey the allowlist")
        XCTAssertFalse(repo.exists("docs/out/run-record.json"))
        for bad in ["../x", ".", "/etc"] {
            do {
                _ = try await TemplateRunner.run(t, sets: [], outputDir: bad, in: ws)
                XCTFail("\(bad) must be refused")
            } catch let e as TemplateError {
                XCTAssertEqual(e.exitStatus, .usage)
            }
        }
    }

    func testBudgetsBoundTheWorkflow() async throws {
        try FileSystem.createDirectories(repo.root + "/.sdetkit/agent")
        try FileSystem.writeAtomically("version: 1\nbudgets:\n  max_actions: 1\n", to: repo.root + "/.sdetkit/agent/config.yaml")
        let t = try parse("metadata: {id: two, title: Two}\nworkflow:\n  - id: a\n    action: fs.list\n  - id: b\n    action: fs.list\n")
        let r = try await TemplateRunner.run(t, sets: [], in: try repo.workspace())
        XCTAssertEqual(r.status, .failed)
        XCTAssertTrue(r.run.record.actions.allSatisfy { $0.reason.contains("budgets.max_actions is 1") })
    }

    func testUnknownSetNameIsAnInputError() async throws {
        do {
            _ = try await TemplateRunner.run(try parse(flip), sets: ["nope=1"], in: try repo.workspace())
            XCTFail("unknown input must be refused")
        } catch let e as TemplateError {
            XCTAssertEqual(e.exitStatus, .usage)
            XCTAssertEqual(repo.ledgerCount(), 0, "nothing recorded")
        }
    }
}
