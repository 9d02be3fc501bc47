import Foundation
import XCTest
@testable import SdetkitCore
@testable import SdetkitEngine
@testable import SdetkitPolicy

/// Runs prepared alongside others: held decisions, and when runs may overlap at all (same set-up as the
/// other engine tests: a committed repository per test).
extension EngineTests {
    func auditLogLines(_ ws: Workspace) -> [String] {
        ((try? FileSystem.readString(ws.layout.auditLogPath)) ?? "").split(separator: "\n").map(String.init)
    }

    func writeAction(_ path: String) -> PlannedAction {
        PlannedAction(action: "fs.write", params: ["path": .string(path), "content": "x\n"])
    }

    func testAConfinedRunLogsItsDecisionsWhenCommittedAndNeverAsks() async throws {
        let ws = try workspace(approval: .granted)
        let before = auditLogLines(ws).count
        let prepared = await ws.prepare(kind: "agent.run", task: "t", planner: "test", explanation: "e",
                                        actions: [writeAction(".sdetkit/agent/workdir/a.txt"), writeAction("README.md")],
                                        outputDir: nil, confined: true)
        XCTAssertEqual(auditLogLines(ws).count, before, "held until the run is recorded")
        XCTAssertTrue(FileSystem.exists(ws.layout.absolute(".sdetkit/agent/workdir/a.txt")))
        let outcome = prepared.record.actions[1]
        XCTAssertTrue(outcome.denied, "a confined run never gets approval, even with --approve")
        XCTAssertEqual(try FileSystem.readString(repo + "/README.md"), "# test\n")

        let result = try ws.commit(prepared)
        XCTAssertEqual(result.entry?.seq, 1)
        let lines = auditLogLines(ws).dropFirst(before)
        XCTAssertEqual(lines.count, 2)
        XCTAssertTrue(lines.first?.contains("\"target\":\".sdetkit/agent/workdir/a.txt\"") ?? false)
        XCTAssertFalse(ws.policy.hasUnsyncedAuditLines, "the commit synced them before recording the run")
    }

    func testAnAbandonedConfinedRunStillLogsItsDecisionsAndRecordsNothing() async throws {
        let ws = try workspace(approval: .granted)
        let before = auditLogLines(ws).count
        let prepared = await ws.prepare(kind: "agent.run", task: "t", planner: "test", explanation: "e",
                                        actions: [writeAction(".sdetkit/agent/workdir/b.txt")], outputDir: nil, confined: true)
        ws.abandon(prepared)
        XCTAssertEqual(auditLogLines(ws).count, before + 1)
        XCTAssertEqual(try ws.store.ledgerEntries().count, 0)
    }

    func testOnlyKnownConfinedActionsMakeAConfinedRun() throws {
        let ws = try workspace(approval: .granted)
        XCTAssertTrue(ws.isConfined([PlannedAction(action: "git.status", params: [:])]))
        XCTAssertFalse(ws.isConfined([PlannedAction(action: "git.status", params: [:]), writeAction(".sdetkit/agent/workdir/a")]))
        XCTAssertFalse(ws.isConfined([PlannedAction(action: "no.such.action", params: [:])]))
    }

    func testTrackedFilesInTheOutputAreasKeepRunsApart() throws {
        let ws = try workspace(approval: .granted)
        XCTAssertFalse(ws.outputAreasHoldTrackedFiles())
        try FileSystem.createDirectories(repo + "/.sdetkit/agent/template-runs/x")
        try FileSystem.writeAtomically("kept\n", to: repo + "/.sdetkit/agent/template-runs/x/report.md")
        try runGit(["add", "-f", ".sdetkit/agent/template-runs/x/report.md"], in: repo)
        XCTAssertTrue(ws.outputAreasHoldTrackedFiles())
    }
}
