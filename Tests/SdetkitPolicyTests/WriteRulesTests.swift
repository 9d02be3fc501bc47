import XCTest
import SdetkitCore
@testable import SdetkitPolicy

/// Never-writable paths and approvals.
final class WriteRulesTests: XCTestCase {
    func testGitIsNeverWritableAtAnyDepth() {
        let repo = TempDir()
        repo.mkdir(".git/hooks")
        repo.mkdir("docs/vendored/.git/hooks")
        repo.write("docs/sub/.git", "gitdir: ../../.git/modules/sub\n")
        let engine = makeEngine(repo, write: ["."], approval: .granted)
        for path in [".git/config", ".git/hooks/pre-commit", "docs/vendored/.git/hooks/pre-commit", "docs/sub/.git",
                     ".GIT/config", "docs/.Git/x", ".git./config", ".g\u{200C}it/config"] {
            let d = engine.checkWrite(path: path, action: "test")
            XCTAssertFalse(d.allowed, path)
            XCTAssertEqual(d.approval, .notRequired, path)
            XCTAssertTrue(d.reason.contains("'.git' is never writable"), "\(path): \(d.reason)")
        }
        // `.gitignore` and `.github` are ordinary files.
        XCTAssertTrue(engine.checkWrite(path: ".gitignore", action: "test").allowed)
        XCTAssertTrue(engine.checkWrite(path: ".github/workflows/ci.yml", action: "test").allowed)
    }

    func testNestedRepositoryHooksInsideAllowlistedDirectoryAreDenied() {
        let repo = TempDir()
        repo.mkdir("docs/nested/.git/hooks")
        let engine = makeEngine(repo, write: ["docs"], approval: .granted)
        let d = engine.checkWrite(path: "docs/nested/.git/hooks/post-checkout", action: "test")
        XCTAssertFalse(d.allowed)
        XCTAssertEqual(d.resolvedRelativePath, "docs/nested/.git/hooks/post-checkout")
        XCTAssertTrue(engine.checkWrite(path: "docs/nested/README.md", action: "test").allowed)
    }

    func testGitReachedThroughSymlinkIsDenied() {
        let repo = TempDir()
        repo.mkdir(".git/hooks")
        repo.mkdir("docs")
        repo.symlink("docs/g", to: "../.git")
        repo.symlink("docs/hook", to: "../.git/hooks/pre-push")
        let engine = makeEngine(repo, approval: .granted)
        XCTAssertEqual(engine.checkWrite(path: "docs/g/hooks/pre-commit", action: "t").resolvedRelativePath,
                       ".git/hooks/pre-commit")
        XCTAssertFalse(engine.checkWrite(path: "docs/g/hooks/pre-commit", action: "t").allowed)
        XCTAssertFalse(engine.checkWrite(path: "docs/hook", action: "t").allowed)
    }

    func testStateFilesAreNeverWritableEvenIfAllowlisted() {
        let repo = TempDir()
        repo.mkdir(".sdetkit/agent/history/objects")
        repo.write(".sdetkit/agent/config.yaml")
        let engine = makeEngine(repo, write: [".sdetkit", ".sdetkit/agent/history", "."], approval: .granted)
        for path in [".sdetkit/agent/history/ledger.jsonl", ".sdetkit/agent/history/objects/ab/cdef",
                     ".sdetkit/agent/history", ".sdetkit/agent/config.yaml", ".sdetkit/agent/index.sqlite",
                     ".sdetkit/agent/index.sqlite-wal", ".sdetkit/agent/index.sqlite-shm",
                     ".sdetkit/agent/audit.jsonl", ".sdetkit/agent/audit.jsonl.lock", ".sdetkit/agent/History/x",
                     ".sdetkit/agent/workdir/../config.yaml"] {
            let d = engine.checkWrite(path: path, action: "test")
            XCTAssertFalse(d.allowed, path)
            XCTAssertTrue(d.reason.contains("never writable"), "\(path): \(d.reason)")
        }
        XCTAssertTrue(engine.checkWrite(path: ".sdetkit/agent/cache/x.json", action: "test").allowed)
        XCTAssertTrue(engine.checkWrite(path: ".sdetkit/agent/config.yaml.bak", action: "test").allowed)
    }

    func testStateFileReachedThroughSymlinkIsDenied() {
        let repo = TempDir()
        repo.write(".sdetkit/agent/config.yaml")
        repo.mkdir(".sdetkit/agent/workdir")
        repo.symlink(".sdetkit/agent/workdir/cfg", to: "../config.yaml")
        let engine = makeEngine(repo, approval: .granted)
        let d = engine.checkWrite(path: ".sdetkit/agent/workdir/cfg", action: "test")
        XCTAssertFalse(d.allowed)
        XCTAssertEqual(d.resolvedRelativePath, ".sdetkit/agent/config.yaml")
    }

    func testWorkdirWriteNeedsNoApproval() {
        let repo = TempDir()
        // The workdir does not even exist yet.
        let engine = makeEngine(repo, approval: .nonInteractive)
        let d = engine.checkWrite(path: ".sdetkit/agent/workdir/notes/today.md", action: "test")
        XCTAssertTrue(d.allowed, d.reason)
        XCTAssertFalse(d.needsApproval)
        XCTAssertEqual(d.approval, .notRequired)
        XCTAssertEqual(d.resolvedRelativePath, ".sdetkit/agent/workdir/notes/today.md")
    }

    func testWriteOutsideWorkdirNeedsApprovalAndIsDeniedNonInteractively() {
        let repo = TempDir()
        repo.mkdir("docs")
        let d = makeEngine(repo, approval: .nonInteractive).checkWrite(path: "docs/x.md", action: "test")
        XCTAssertFalse(d.allowed)
        XCTAssertTrue(d.needsApproval)
        XCTAssertEqual(d.approval, .denied)
        XCTAssertEqual(d.reason, "needs approval: re-run with --approve")
        XCTAssertEqual(d.resolvedRelativePath, "docs/x.md")
    }

    func testWriteOutsideWorkdirIsAllowedWithApproval() {
        let repo = TempDir()
        let d = makeEngine(repo, approval: .granted).checkWrite(path: "docs/x.md", action: "test")
        XCTAssertTrue(d.allowed, d.reason)
        XCTAssertTrue(d.needsApproval)
        XCTAssertEqual(d.approval, .granted)
    }

    func testEscapingTheWorkdirWithDotDotNeedsApproval() {
        for existing in [false, true] {
            let repo = TempDir()
            repo.mkdir("docs")
            if existing { repo.mkdir(".sdetkit/agent/workdir") }
            let engine = makeEngine(repo, approval: .nonInteractive)
            let d = engine.checkWrite(path: ".sdetkit/agent/workdir/../../../docs/x", action: "test")
            XCTAssertEqual(d.resolvedRelativePath, "docs/x", "existing=\(existing)")
            XCTAssertTrue(d.needsApproval, "existing=\(existing)")
            XCTAssertFalse(d.allowed, "existing=\(existing)")
            XCTAssertEqual(d.reason, "needs approval: re-run with --approve")
        }
    }

    func testWorkdirThatIsSymlinkDoesNotWaiveApproval() {
        let repo = TempDir()
        repo.mkdir("docs")
        repo.mkdir(".sdetkit/agent")
        repo.symlink(".sdetkit/agent/workdir", to: "../../docs")
        let d = makeEngine(repo, approval: .nonInteractive).checkWrite(path: ".sdetkit/agent/workdir/x", action: "t")
        XCTAssertEqual(d.resolvedRelativePath, "docs/x")
        XCTAssertTrue(d.needsApproval)
        XCTAssertFalse(d.allowed)
    }

    func testPromptIsAskedOncePerTargetWithOneLineQuestion() {
        let repo = TempDir()
        let yes = PromptRecorder(answer: true)
        let engine = makeEngine(repo, approval: yes.mode)
        let first = engine.checkWrite(path: "docs/a\nb.md", action: "doc.write")
        XCTAssertTrue(first.allowed, first.reason)
        XCTAssertEqual(first.approval, .granted)
        XCTAssertEqual(engine.checkWrite(path: "docs/a\nb.md", action: "doc.write").approval, .granted)
        XCTAssertEqual(yes.asked.count, 1)
        let q = yes.asked.first ?? ""
        XCTAssertFalse(q.contains("\n"), q)
        XCTAssertTrue(q.contains("doc.write") && q.contains("docs/a\\nb.md"), q)

        let no = PromptRecorder(answer: false)
        let refused = makeEngine(repo, approval: no.mode).checkWrite(path: "docs/c.md", action: "doc.write")
        XCTAssertFalse(refused.allowed)
        XCTAssertEqual(refused.approval, .denied)
        XCTAssertTrue(refused.reason.hasPrefix("needs approval"), refused.reason)
    }

    func testPathRulesComeBeforeApproval() {
        let repo = TempDir()
        repo.mkdir(".git")
        let prompt = PromptRecorder(answer: true)
        let engine = makeEngine(repo, write: ["docs", "."], approval: prompt.mode)
        for path in [".git/config", "../x", "/etc/passwd", ".sdetkit/agent/config.yaml"] {
            let d = engine.checkWrite(path: path, action: "test")
            XCTAssertFalse(d.allowed, path)
            XCTAssertFalse(d.needsApproval, path)
            XCTAssertEqual(d.approval, .notRequired, path)
        }
        XCTAssertFalse(makeEngine(repo, write: [], approval: prompt.mode).checkWrite(path: "src/x", action: "t").allowed)
        XCTAssertEqual(prompt.asked, [])
        // The workdir needs no prompt either.
        XCTAssertTrue(engine.checkWrite(path: ".sdetkit/agent/workdir/x", action: "t").allowed)
        XCTAssertEqual(prompt.asked, [])
    }
}
