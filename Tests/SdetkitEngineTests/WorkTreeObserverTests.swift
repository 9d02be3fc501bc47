import Foundation
import XCTest
@testable import SdetkitConfig
@testable import SdetkitCore
@testable import SdetkitEngine
@testable import SdetkitPolicy

/// The repository state a workspace records is taken once and taken again exactly when it may have changed.
final class WorkTreeObserverTests: XCTestCase {
    var repo = ""

    override func setUpWithError() throws {
        repo = FileSystem.realPath(NSTemporaryDirectory())! + "/sdetkit-observer-\(UInt32.random(in: 0...UInt32.max))"
        try makeCommittedRepo(at: repo)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: repo) }

    func git(_ args: String...) throws { try runGit(args, in: repo) }

    /// Edits a tracked file behind the observer's back (same size, so only content and mtime differ).
    func editReadme() throws { try FileSystem.writeAtomically("# TEST\n", to: repo + "/README.md") }

    func testKeptWhileNothingItKnowsOfChanged() throws {
        let observer = WorkTreeObserver(repoRoot: repo)
        XCTAssertFalse(observer.snapshot().repoState.dirty)
        try editReadme()
        // Writes inside .sdetkit/ are git-ignored state: no reason to look again.
        observer.noteWrite(relativePath: ".sdetkit/agent/workdir/out.json")
        XCTAssertFalse(observer.snapshot().repoState.dirty, "kept snapshot (documented: one status per command)")
        // A fresh observer sees the edit, so the kept answer above really was the kept one.
        XCTAssertTrue(WorkTreeObserver(repoRoot: repo).snapshot().repoState.dirty)
    }

    func testAWriteOutsideStateIsSeen() throws {
        let observer = WorkTreeObserver(repoRoot: repo)
        XCTAssertFalse(observer.snapshot().repoState.dirty)
        try editReadme()
        observer.noteWrite(relativePath: "README.md")
        XCTAssertTrue(observer.snapshot().repoState.dirty)
        XCTAssertEqual(observer.snapshot().status?.modified, ["README.md"])
    }

    func testACommandIsSeen() throws {
        let observer = WorkTreeObserver(repoRoot: repo)
        observer.prefetch()
        XCTAssertFalse(observer.snapshot().repoState.dirty)
        try editReadme()
        observer.noteCommand()
        XCTAssertTrue(observer.snapshot().repoState.dirty)
    }

    func testCommitsAndStagingByAnyoneAreSeen() throws {
        let observer = WorkTreeObserver(repoRoot: repo)
        let before = observer.snapshot()
        try editReadme()
        try git("add", "README.md")  // index changes: seen without any note
        XCTAssertTrue(observer.snapshot().repoState.dirty)
        try git("commit", "-q", "-m", "second")  // HEAD moves: seen
        let after = observer.snapshot()
        XCTAssertFalse(after.repoState.dirty)
        XCTAssertNotEqual(after.head?.commit, before.head?.commit)
    }

    func testPrefetchedAndWaitedForGivesTheSameAnswerAsTakingIt() throws {
        try FileSystem.writeAtomically("new\n", to: repo + "/untracked.txt")
        let observer = WorkTreeObserver(repoRoot: repo)
        observer.prefetch()
        observer.prefetch()
        let waited = observer.snapshot()
        XCTAssertEqual(waited, WorkTreeObserver.take(repo))
        XCTAssertEqual(waited.status?.untracked, ["untracked.txt"])
    }

    func testRunsRecordTheStateAfterTheirOwnWrites() async throws {
        let layout = StateLayout(repoRoot: repo)
        _ = try StateInit.run(layout: layout, force: false)
        try FileSystem.writeAtomically("version: 1\nsafety:\n  write_allowlist: [docs, .sdetkit/agent/workdir]\n", to: layout.configPath)
        try FileSystem.createDirectories(repo + "/docs")
        try FileSystem.writeAtomically("a\n", to: repo + "/docs/a.md")
        try git("add", "-A")
        try git("commit", "-q", "-m", "docs")
        let ws = try Workspace.open(from: repo, registry: .builtin, approval: .granted, environment: ["SOURCE_DATE_EPOCH": "1700000000"])
        let clean = try await ws.run(task: #"action fs.write {"path": ".sdetkit/agent/workdir/x.txt", "content": "x"}"#, dryRun: false)
        XCTAssertEqual(clean.record.status, .ok)
        XCTAssertEqual(clean.record.repo.dirty, false)
        let edit = try await ws.run(task: #"action fs.write {"path": "docs/a.md", "content": "b\n"}"#, dryRun: false)
        XCTAssertEqual(edit.record.status, .ok, "\(edit.record.actions)")
        XCTAssertEqual(edit.record.repo.dirty, true, "the run's own write to a tracked file makes the tree dirty")
    }
}
