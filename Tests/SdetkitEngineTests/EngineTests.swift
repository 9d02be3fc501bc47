import Foundation
import XCTest
@testable import SdetkitConfig
@testable import SdetkitCore
@testable import SdetkitEngine
@testable import SdetkitPolicy

/// End-to-end runs through the workspace: planner, budgets, policy, recording.
final class EngineTests: XCTestCase {
    var repo = ""

    override func setUpWithError() throws {
        repo = "/tmp/sdetkit-engine-\(UInt32.random(in: 0...UInt32.max))"
        try makeCommittedRepo(at: repo)
    }

    func git(_ args: String...) throws { try runGit(args, in: repo) }

    func workspace(config: String? = nil, approval: ApprovalMode = .nonInteractive, epoch: String? = "1700000000") throws -> Workspace {
        let layout = StateLayout(repoRoot: FileSystem.realPath(repo)!)
        _ = try StateInit.run(layout: layout, force: false)
        if let config { try FileSystem.writeAtomically(config, to: layout.configPath) }
        var env: [String: String] = [:]
        if let epoch { env["SOURCE_DATE_EPOCH"] = epoch }
        return try Workspace.open(from: repo + "/.sdetkit", registry: .builtin, approval: approval, environment: env)
    }

    func testSameTaskSameHashTwoEntries() async throws {
        let ws = try workspace()
        let a = try await ws.run(task: "health-check", dryRun: false)
        let b = try await ws.run(task: "health-check", dryRun: false)
        XCTAssertEqual(a.record.status, .ok, "\(a.record.actions)")
        XCTAssertEqual(a.hash, b.hash)
        XCTAssertEqual([a.entry?.seq, b.entry?.seq], [1, 2])
        XCTAssertEqual(a.record.steps.map(\.role), ["manager", "worker", "worker", "reviewer"])
    }

    func testUnrecognisedTaskIsAnOkRunWithNoActions() async throws {
        let r = try await workspace().run(task: "please make coffee", dryRun: false)
        XCTAssertEqual(r.record.status, .ok)
        XCTAssertTrue(r.record.actions.isEmpty)
        XCTAssertEqual(r.record.planner, "none")
    }

    func testMalformedActionParamsAreAUsageError() async throws {
        let ws = try workspace()
        do {
            _ = try await ws.run(task: "action fs.read {not json", dryRun: false)
            XCTFail("expected an error")
        } catch let e as TaskSyntaxError {
            XCTAssertEqual(e.exitStatus, .usage)
        }
        XCTAssertEqual(try ws.store.ledgerEntries().count, 0, "nothing recorded")
    }

    func testARunIsRecordedOnlyAfterItsDecisionsAreOnDisk() async throws {
        let ws = try workspace()
        let r = try await ws.run(task: #"action fs.write {"path":".sdetkit/agent/workdir/s.txt","content":"x"}"#, dryRun: false)
        XCTAssertEqual(r.record.status, .ok)
        XCTAssertFalse(ws.policy.hasUnsyncedAuditLines, "commit syncs the workdir write's decision")
        _ = try await ws.run(task: #"action fs.read {"path":".sdetkit/agent/workdir/s.txt"}"#, dryRun: true)
        XCTAssertFalse(ws.policy.hasUnsyncedAuditLines, "a dry run syncs its decisions too")
    }

    func testOutputAreaWritesDeferTheirDirectorySyncToTheCommit() async throws {
        let ws = try workspace(approval: .granted)
        let ctx = ws.context(dryRun: false, outputDir: nil)
        guard case .written = PolicedFiles.write(Array("x".utf8), to: ".sdetkit/agent/workdir/d.txt", name: "d",
                                                 action: "fs.write", in: ctx) else { return XCTFail("not written") }
        XCTAssertFalse(ws.directorySyncs.isEmpty, "a workdir write waits for the commit")
        try ws.syncPendingWrites()
        XCTAssertTrue(ws.directorySyncs.isEmpty)
        let approved = try workspace(config: "version: 1\nsafety:\n  write_allowlist:\n    - .sdetkit/agent/workdir\n    - docs\n",
                                     approval: .granted)
        let actx = approved.context(dryRun: false, outputDir: nil)
        guard case .written = PolicedFiles.write(Array("y".utf8), to: "docs/y.md", name: "y", action: "fs.write",
                                                 in: actx) else { return XCTFail("not written") }
        XCTAssertTrue(approved.directorySyncs.isEmpty, "a write into the user's tree is durable at once")
        let r = try await approved.run(task: #"action fs.write {"path":".sdetkit/agent/workdir/e.txt","content":"e"}"#, dryRun: false)
        XCTAssertEqual(r.record.status, .ok)
        XCTAssertTrue(approved.directorySyncs.isEmpty, "commit syncs what the run wrote")
    }

    /// The written content is in the workdir file and nowhere else: not in the record (its task included), the
    /// objects, the ledger, the index or the audit log. (The CLI test also checks list, show and export.)
    func testWriteIntoWorkdirRecordsDigestNotContent() async throws {
        let marker = "leak-marker-\(UInt32.random(in: 0...UInt32.max))"
        let ws = try workspace()
        let task = #"action fs.write {"path":".sdetkit/agent/workdir/a.txt","content":"\#(marker)"}"#
        let r = try await ws.run(task: task, dryRun: false)
        XCTAssertEqual(r.record.status, .ok)
        let text = CanonicalJSON.string(r.record.json)
        XCTAssertFalse(text.contains(marker), text)
        XCTAssertTrue(r.record.task.contains(Digest.sha256Hex(marker)), r.record.task)
        XCTAssertEqual(r.record.actions.first?.params["content_sha256"], .string(Digest.sha256Hex(marker)))
        XCTAssertEqual(try FileSystem.readString(repo + "/.sdetkit/agent/workdir/a.txt"), marker)
        let agent = FileSystem.realPath(repo)! + "/.sdetkit/agent"
        var searched = 0
        for case let rel as String in FileManager.default.enumerator(atPath: agent)! {
            let path = agent + "/" + rel
            guard !Path.isInside(rel, "workdir"), FileSystem.isRegularFile(path) else { continue }
            searched += 1
            let bytes = try FileSystem.readBytes(path)
            XCTAssertNil(String(decoding: bytes, as: UTF8.self).range(of: marker), "the content leaked into \(rel)")
        }
        XCTAssertGreaterThanOrEqual(searched, 4, "objects, ledger, index and audit log were searched")
        let again = try await ws.run(task: task, dryRun: false)
        XCTAssertEqual(again.hash, r.hash, "the same task gives the same record hash")
    }

    func testWriteOutsideWorkdirNeedsApproval() async throws {
        let cfg = "version: 1\nsafety:\n  write_allowlist: [.sdetkit/agent/workdir, docs]\n"
        let denied = try await workspace(config: cfg).run(task: #"action fs.write {"path":"docs/x.md","content":"x"}"#, dryRun: false)
        XCTAssertEqual(denied.record.status, .denied)
        XCTAssertFalse(FileSystem.exists(repo + "/docs/x.md"))
        let granted = try await workspace(config: cfg, approval: .granted).run(task: #"action fs.write {"path":"docs/x.md","content":"x"}"#, dryRun: false)
        XCTAssertEqual(granted.record.status, .ok)
        XCTAssertEqual(granted.record.actions.first?.approval, .granted)
    }

    func testDryRunWritesAndRecordsNothing() async throws {
        let ws = try workspace()
        let r = try await ws.run(task: #"action fs.write {"path":".sdetkit/agent/workdir/d.txt","content":"x"}"#, dryRun: true)
        XCTAssertNil(r.entry)
        XCTAssertFalse(FileSystem.exists(repo + "/.sdetkit/agent/workdir/d.txt"))
        XCTAssertEqual(try ws.store.ledgerEntries().count, 0)
    }

    func testBudgetsAreEnforced() async throws {
        let ws = try workspace(config: "version: 1\nbudgets:\n  max_actions: 1\n")
        let r = try await ws.run(task: "health-check", dryRun: false)  // plans two actions
        XCTAssertEqual(r.record.status, .failed)
        XCTAssertTrue(r.record.actions.allSatisfy { $0.reason.contains("max_actions") })
    }

    func testShellRunTimeoutKillsTheProcessGroupAndOutputIsCapped() async throws {
        let cfg = "version: 1\nsafety:\n  shell_allowlist: [sleep, seq]\n  shell_timeout_seconds: 1\n  max_output_bytes: 100\n"
        let ws = try workspace(config: cfg, approval: .granted)
        let started = Date()
        let slow = try await ws.run(task: #"action shell.run {"cmd":"sleep 20"}"#, dryRun: false)
        XCTAssertLessThan(Date().timeIntervalSince(started), 8)
        XCTAssertEqual(slow.record.status, .failed)
        XCTAssertEqual(slow.record.actions.first?.result["timed_out"], true)
        let big = try await ws.run(task: #"action shell.run {"argv":["seq","1","100000"]}"#, dryRun: false)
        XCTAssertEqual(big.record.status, .ok)
        XCTAssertEqual(big.record.actions.first?.result["stdout_truncated"], true)
        XCTAssertEqual(big.record.actions.first?.result["stdout"]?.stringValue?.utf8.count, 100)
    }

    func testShellRunStripsLoaderVariables() {
        setenv("LD_SDETKIT_TEST", "1", 1)
        defer { unsetenv("LD_SDETKIT_TEST") }
        XCTAssertFalse(CommandRunner.childEnvironment().contains { String(decoding: $0, as: UTF8.self).hasPrefix("LD_") })
    }

    func testUnknownActionFails() async throws {
        let r = try await workspace().run(task: "action nope.x {}", dryRun: false)
        XCTAssertEqual(r.record.status, .failed)
        XCTAssertTrue(r.record.actions[0].reason.contains("unknown action"))
    }

    func testHashIsIndependentOfCheckoutPathAndTime() async throws {
        let first = try await workspace(epoch: "1700000000").run(task: "status", dryRun: false)
        let copy = "/tmp/sdetkit-engine-copy-\(UInt32.random(in: 0...UInt32.max))/deeper"
        try FileSystem.createDirectories(Path.dirname(copy))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/cp")
        p.arguments = ["-a", repo, copy]
        try p.run()
        p.waitUntilExit()
        repo = copy
        let second = try await workspace(epoch: "1800000000").run(task: "status", dryRun: false)
        XCTAssertEqual(first.hash, second.hash)
        XCTAssertNotEqual(first.entry?.capturedAt, second.entry?.capturedAt)
    }

    func testPlannerRules() throws {
        XCTAssertEqual(try Planner.plan("read README.md", registry: .builtin).actions, [PlannedAction(action: "fs.read", params: ["path": "README.md"])])
        XCTAssertEqual(try Planner.plan("git status", registry: .builtin).rule, "status")
        XCTAssertEqual(try Planner.plan("ls docs", registry: .builtin).actions.first?.params["path"], "docs")
        XCTAssertEqual(try Planner.plan("audit", registry: .builtin).rule, "none", "repo.audit is not in the builtin registry")
        XCTAssertThrowsError(try Planner.plan("action fs.read [1]", registry: .builtin))
    }
}
