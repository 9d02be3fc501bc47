import Foundation
import XCTest
import SdetkitAudit
import SdetkitCore
import SdetkitEngine
@testable import SdetkitTemplates

/// Audits in one workspace share a scan, and anything the workspace does to tracked files is seen.
final class AuditMemoTests: XCTestCase {
    var repo: TempRepo!

    override func setUpWithError() throws { repo = try TempRepo("memo") }
    override func tearDown() { repo.remove() }

    func secretCount(_ ws: Workspace) async throws -> Int? {
        let r = await ws.perform(PlannedAction(action: "repo.audit", params: ["profile": "default"]),
                                 context: ws.context(dryRun: false, outputDir: nil))
        XCTAssertTrue(r.outcome.ok, r.outcome.reason)
        let findings = r.outcome.result["findings"]?.intValue
        return findings
    }

    func testAWriteThroughTheWorkspaceIsSeenByTheNextAudit() async throws {
        try repo.write("docs/notes.md", "nothing here\n")
        try repo.commit("docs")
        try FileSystem.createDirectories(repo.root + "/.sdetkit/agent")
        try FileSystem.writeAtomically("version: 1\nsafety:\n  write_allowlist: [docs, .sdetkit/agent/workdir]\n",
                                       to: repo.root + "/.sdetkit/agent/config.yaml")
        let ws = try repo.workspace(approval: .granted)
        let before = try await secretCount(ws)
        let again = try await secretCount(ws)
        XCTAssertEqual(again, before, "same work tree, same answer (shared scan)")
        let key = "ghp_" + String("aZ3kQ9mX2pL7vR4tY8wB1nC6dF0gH5jK2sE9".prefix(36))
        let w = await ws.perform(PlannedAction(action: "fs.write", params: ["path": "docs/notes.md", "content": .string("token = \"\(key)\"\n")]),
                                 context: ws.context(dryRun: false, outputDir: nil))
        XCTAssertTrue(w.outcome.ok, w.outcome.reason)
        let after = try await secretCount(ws)
        XCTAssertEqual(after, (before ?? 0) + 1, "the workspace's own write to a tracked file must not be hidden by the memo")
    }
}
