import Foundation
import XCTest
import SdetkitRuntime
import SdetkitCore
import SdetkitEngine
@testable import SdetkitDemo

/// Preparing runs side by side must not change anything: same runs, same artifacts, same audit log, same
/// ledger as running them one after another — also when a repository template breaks the overlap.
final class OverlappingDemoTests: XCTestCase {
    /// A committed repository with a finding or two and, optionally, a repository template that overrides a
    /// scenario template with a shared action (fs.write), which splits the overlapping runs in two groups.
    func makeRepo(overrideTemplate: Bool) throws -> String {
        let dir = "/tmp/sdetkit-demo-lib-\(UInt32.random(in: 0...UInt32.max))"
        try FileSystem.createDirectories(dir + "/templates/automations")
        try FileSystem.writeAtomically("# demo\n\nSee [guide](docs/guide.md).\n", to: dir + "/README.md")
        let token = "ghp" + "_" + "0123456789abcdefghijklmnopqrstuvwxyzAB"  // built here: this file holds no token
        try FileSystem.writeAtomically("token = \"\(token)\"\nprint(1)\n", to: dir + "/app.py")
        if overrideTemplate {
            try FileSystem.writeAtomically("""
            metadata:
              id: dependency-inventory
              title: Local override
              version: "1.0.0"
              description: Writes a note through fs.write, an action that is not confined.
              tags: [test]
            workflow:
              - id: note
                action: fs.write
                with:
                  path: "${{ run.output_dir }}/note.txt"
                  content: "local\\n"

            """, to: dir + "/templates/automations/dependency-inventory.yaml")
        }
        try shell("git init -q -b main && git add -A && GIT_AUTHOR_DATE=2023-01-01T00:00:00Z GIT_COMMITTER_DATE=2023-01-01T00:00:00Z git -c user.name=t -c user.email=t@example.com commit -q -m init", in: dir)
        return dir
    }

    func demo(_ dir: String, overlapping: Bool) async throws -> DemoResult {
        let layout = StateLayout(repoRoot: FileSystem.realPath(dir)!)
        _ = try StateInit.run(layout: layout, force: false)
        let ws = try Workspace.open(from: dir, registry: Toolkit.registry(), approval: .nonInteractive,
                                    environment: ["SOURCE_DATE_EPOCH": "1700000000"])
        let result = try await DemoRunner.run(DemoScenario.named("repo-enterprise-audit")!, in: ws, overlapping: overlapping) { _ in }
        try ws.syncPendingWrites()
        return result
    }

    func check(overrideTemplate: Bool) async throws {
        let a = try makeRepo(overrideTemplate: overrideTemplate)
        let b = "/tmp/sdetkit-demo-lib-copy-\(UInt32.random(in: 0...UInt32.max))"
        try shell("cp -a '\(a)' '\(b)'", in: "/tmp")
        let side = try await demo(a, overlapping: true)
        let alone = try await demo(b, overlapping: false)
        XCTAssertEqual(side.runs.map(\.hash), alone.runs.map(\.hash))
        XCTAssertEqual(side.runs.count, 7)
        XCTAssertEqual(side.ok, alone.ok)
        XCTAssertEqual(side.problems, alone.problems)
        XCTAssertEqual(side.artifacts.map(\.name), alone.artifacts.map(\.name))
        XCTAssertEqual(side.artifacts.map(\.path), alone.artifacts.map(\.path))
        for (_, rel) in side.artifacts {
            XCTAssertEqual(try FileSystem.readBytes(a + "/" + rel), try FileSystem.readBytes(b + "/" + rel), rel)
        }
        for rel in [".sdetkit/agent/audit.jsonl", ".sdetkit/agent/history/ledger.jsonl"] {
            XCTAssertEqual(try FileSystem.readBytes(a + "/" + rel), try FileSystem.readBytes(b + "/" + rel), rel)
        }
        XCTAssertEqual(side.runs.compactMap { $0.entry?.seq }, Array(1...7))
    }

    func testOverlappingRunsRecordExactlyWhatSequentialRunsRecord() async throws {
        try await check(overrideTemplate: false)
    }

    func testARepositoryTemplateWithASharedActionStillGivesTheSameResult() async throws {
        try await check(overrideTemplate: true)
    }
}
