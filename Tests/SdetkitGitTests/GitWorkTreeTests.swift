import XCTest
@testable import SdetkitGit
import SdetkitCore

final class GitWorkTreeTests: XCTestCase {
    /// A committed repo: a.txt, dir/b.txt, run.sh (executable), link -> a.txt, .gitignore ignoring *.log and build/.
    private func makeRepo() throws -> GitFixture {
        let fx = try GitFixture()
        try fx.initRepo()
        try fx.write(".gitignore", "*.log\nbuild/\n")
        try fx.write("a.txt", "alpha\n")
        try fx.write("dir/b.txt", "bravo bravo\n")
        try fx.write("run.sh", "#!/bin/sh\necho hi\n")
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: fx.path("run.sh"))
        try FileManager.default.createSymbolicLink(atPath: fx.path("link"), withDestinationPath: "a.txt")
        try fx.commitAll("initial")
        return fx
    }

    func testCleanTreeStatus() throws {
        let fx = try makeRepo()
        let repo = try GitRepository.discover(from: fx.root)
        XCTAssertEqual(try repo.status(), WorkingTreeStatus(modified: [], untracked: []))
        XCTAssertFalse(try repo.status().isDirty)
    }

    func testModifiedUntrackedAndIgnored() throws {
        let fx = try makeRepo()
        try fx.write("a.txt", "changed\n")                 // worktree modification
        try fx.write("dir/b.txt", "staged\n")
        try fx.git("add", "dir/b.txt")                      // index modification
        try FileManager.default.removeItem(atPath: fx.path("run.sh"))  // deletion
        try fx.write("notes.md", "untracked\n")
        try fx.write("deep/new/file.txt", "untracked in a new dir\n")
        try fx.write("debug.log", "ignored\n")
        try fx.write("build/out.bin", "ignored dir\n")
        let repo = try GitRepository.discover(from: fx.path("dir"))
        let st = try repo.status()
        XCTAssertEqual(st.modified, ["a.txt", "dir/b.txt", "run.sh"])
        XCTAssertEqual(st.untracked, ["deep/new/file.txt", "notes.md"])
        XCTAssertTrue(st.isDirty)
        let noUntracked = try repo.status(includeUntracked: false)
        XCTAssertEqual(noUntracked.modified, st.modified)
        XCTAssertEqual(noUntracked.untracked, [])
        XCTAssertTrue(repo.repoState().dirty)
    }

    func testRenameReportsBothPaths() throws {
        let fx = try makeRepo()
        try fx.git("mv", "a.txt", "renamed.txt")
        let repo = try GitRepository.discover(from: fx.root)
        XCTAssertEqual(try repo.status().modified, ["a.txt", "renamed.txt"])
    }

    func testOnlyUntrackedIsNotDirty() throws {
        let fx = try makeRepo()
        try fx.write("scratch.txt", "new\n")
        let repo = try GitRepository.discover(from: fx.root)
        XCTAssertEqual(try repo.status().untracked, ["scratch.txt"])
        XCTAssertFalse(try repo.status().isDirty)
        let state = repo.repoState()
        XCTAssertFalse(state.dirty)
        XCTAssertEqual(state.head, try fx.git("rev-parse", "HEAD"))
        XCTAssertEqual(state.branch, "main")
    }

    func testTrackedFilesPathsSizesModes() throws {
        let fx = try makeRepo()
        let repo = try GitRepository.discover(from: fx.root)
        let files = try repo.trackedFiles()
        XCTAssertEqual(files.map(\.path), [".gitignore", "a.txt", "dir/b.txt", "link", "run.sh"])
        let byPath = Dictionary(uniqueKeysWithValues: files.map { ($0.path, $0) })
        XCTAssertEqual(byPath["a.txt"]?.size, 6)
        XCTAssertEqual(byPath["dir/b.txt"]?.size, 12)
        XCTAssertEqual(byPath["a.txt"]?.mode, 0o100644)
        XCTAssertEqual(byPath["run.sh"]?.mode, 0o100755)
        XCTAssertEqual(byPath["link"]?.mode, 0o120000)
        XCTAssertEqual(byPath["link"]?.isSymlink, true)
        XCTAssertEqual(byPath["a.txt"]?.isSymlink, false)
        XCTAssertEqual(byPath["a.txt"]?.isSubmodule, false)
        XCTAssertEqual(byPath["a.txt"]?.oid, try fx.git("rev-parse", "HEAD:a.txt"))
        XCTAssertEqual(byPath["link"]?.oid, try fx.git("rev-parse", "HEAD:link"))
    }

    func testTrackedFilesSeeLaterStaging() throws {
        let fx = try makeRepo()
        let repo = try GitRepository.discover(from: fx.root)
        XCTAssertEqual(try repo.trackedFiles().count, 5)
        try fx.write("zzz.txt", "z\n")
        try fx.git("add", "zzz.txt")
        XCTAssertEqual(try repo.trackedFiles().last?.path, "zzz.txt")
    }

    func testSubmoduleGitlinkIsFlagged() throws {
        let fx = try makeRepo()
        let sub = try fx.git("rev-parse", "HEAD")
        try fx.git("update-index", "--add", "--cacheinfo", "160000,\(sub),vendor/lib")
        let repo = try GitRepository.discover(from: fx.root)
        let entry = try repo.trackedFiles().first { $0.path == "vendor/lib" }
        XCTAssertEqual(entry?.isSubmodule, true)
        XCTAssertEqual(entry?.oid, sub)
    }

    func testBlobContents() throws {
        let fx = try makeRepo()
        let repo = try GitRepository.discover(from: fx.root)
        let oid = try fx.git("rev-parse", "HEAD:dir/b.txt")
        XCTAssertEqual(try repo.blob(oid: oid), Array("bravo bravo\n".utf8))
        XCTAssertEqual(try repo.blob(oid: String(oid.prefix(10))), Array("bravo bravo\n".utf8))
        let empty = try fx.git("hash-object", "-w", "/dev/null")
        XCTAssertEqual(try repo.blob(oid: empty), [])
        for bad in ["0000000000000000000000000000000000000000", "not-hex", "", try fx.git("rev-parse", "HEAD^{tree}")] {
            XCTAssertThrowsError(try repo.blob(oid: bad), bad) { error in
                XCTAssertEqual((error as? GitError)?.kind, .missingObject(bad))
            }
        }
    }

    func testChangedPathsSinceParent() throws {
        let fx = try makeRepo()
        try fx.write("dir/b.txt", "second\n")
        try fx.write("c.txt", "new file\n")
        try fx.commitAll("second")
        let repo = try GitRepository.discover(from: fx.root)
        XCTAssertEqual(try repo.changedPaths(since: "HEAD~1"), ["c.txt", "dir/b.txt"])
        XCTAssertEqual(try repo.changedPaths(since: "HEAD"), [])

        try fx.write("a.txt", "uncommitted\n")             // worktree change
        try fx.write("staged.txt", "staged\n")
        try fx.git("add", "staged.txt")                      // index-only change
        try fx.write("untracked.txt", "not in the diff\n")
        XCTAssertEqual(try repo.changedPaths(since: "HEAD~1"), ["a.txt", "c.txt", "dir/b.txt", "staged.txt"])
        XCTAssertEqual(try repo.changedPaths(since: "HEAD"), ["a.txt", "staged.txt"])
        XCTAssertEqual(try repo.changedPaths(since: "main~1"), try repo.changedPaths(since: "HEAD~1"))
    }

    func testCorruptIndexGivesClearError() throws {
        let fx = try makeRepo()
        try Data("this is not an index file at all, just garbage bytes\n".utf8)
            .write(to: URL(fileURLWithPath: fx.path(".git/index")))
        let repo = try GitRepository.discover(from: fx.root)
        XCTAssertNotNil(try? repo.head())
        for call in [{ _ = try repo.trackedFiles() }, { _ = try repo.status() }, { _ = try repo.changedPaths(since: "HEAD") }] {
            XCTAssertThrowsError(try call()) { error in
                guard let g = error as? GitError else { return XCTFail("\(error)") }
                guard case .corruptIndex(let detail) = g.kind else { return XCTFail("\(g.kind)") }
                XCTAssertFalse(detail.isEmpty)
                XCTAssertTrue(g.message.contains("git index"), g.message)
                XCTAssertEqual(g.exitStatus, .usage)
            }
        }
        let state = repo.repoState()
        XCTAssertEqual(state.head, try fx.git("rev-parse", "HEAD"))
        XCTAssertFalse(state.dirty)
    }

    func testEmptyIndexFileIsHandled() throws {
        let fx = try makeRepo()
        try Data().write(to: URL(fileURLWithPath: fx.path(".git/index")))
        let repo = try GitRepository.discover(from: fx.root)
        // Whatever libgit2 decides (empty or corrupt), it must be an answer or a GitError, not a crash.
        do { _ = try repo.trackedFiles() } catch { XCTAssertFalse(error.message.isEmpty) }
    }

    /// 4,000 tracked files are listed from the index, sorted, with no per-file lookups failing.
    /// (Timings live in scripts/bench.sh, not in tests.)
    func testManyTrackedFiles() throws {
        let fx = try GitFixture()
        try fx.initRepo()
        for d in 0..<40 {
            for f in 0..<100 { try fx.write("d\(d)/f\(f).txt", "file \(d)/\(f)\n") }
        }
        try fx.commitAll("many")
        let files = try GitRepository.discover(from: fx.root).trackedFiles()
        XCTAssertEqual(files.count, 4000)
        XCTAssertEqual(files.first?.path, "d0/f0.txt")
        XCTAssertFalse(try GitRepository.discover(from: fx.path("d3")).status().isDirty)
    }
}
