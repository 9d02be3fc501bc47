import XCTest
@testable import SdetkitGit
import SdetkitCore

final class GitRepositoryTests: XCTestCase {
    func testDiscoverFromSubdirectoryFindsRoot() throws {
        let fx = try GitFixture()
        try fx.initRepo()
        try fx.write("a/b/c.txt", "x\n")
        let repo = try GitRepository.discover(from: fx.path("a/b"))
        XCTAssertEqual(repo.workdir, fx.root)
        XCTAssertFalse(repo.workdir.hasSuffix("/"))
        let opened = try GitRepository.open(workdir: fx.root)
        XCTAssertEqual(opened.workdir, fx.root)
    }

    func testOpenRequiresTheWorkTreeRoot() throws {
        let fx = try GitFixture()
        try fx.initRepo()
        try fx.mkdir("sub")
        XCTAssertThrowsError(try GitRepository.open(workdir: fx.path("sub"))) { error in
            guard case .notARepository = (error as? GitError)?.kind else { return XCTFail("\(error)") }
        }
    }

    func testOutsideRepositoryIsNotARepository() throws {
        let fx = try GitFixture()
        try fx.mkdir("plain/dir")
        do {
            _ = try GitRepository.discover(from: fx.path("plain/dir"))
            XCTFail("expected an error")
        } catch {
            XCTAssertEqual(error.kind, .notARepository(path: fx.path("plain/dir")))
            XCTAssertEqual(error.exitStatus, .usage)
            XCTAssertEqual(error.message, "not inside a git repository (searched from \(fx.path("plain/dir"))); "
                + "run sdetkit inside a git work tree or run 'git init'")
        }
    }

    func testMissingDirectoryIsNotARepository() throws {
        let fx = try GitFixture()
        XCTAssertThrowsError(try GitRepository.discover(from: fx.path("does/not/exist"))) { error in
            guard case .notARepository = (error as? GitError)?.kind else { return XCTFail("\(error)") }
        }
    }

    func testBareRepositoryIsRefused() throws {
        let fx = try GitFixture()
        try fx.mkdir("bare.git")
        try fx.git("init", "-q", "--bare", in: "bare.git")
        XCTAssertThrowsError(try GitRepository.discover(from: fx.path("bare.git"))) { error in
            guard case .bareRepository(let p)? = (error as? GitError)?.kind else { return XCTFail("\(error)") }
            XCTAssertTrue(p.hasSuffix("bare.git"), p)
            XCTAssertTrue((error as? GitError)?.message.contains("bare") ?? false)
        }
    }

    func testUnbornBranch() throws {
        let fx = try GitFixture()
        try fx.initRepo()
        let repo = try GitRepository.discover(from: fx.root)
        XCTAssertEqual(try repo.head(), HeadState(commit: nil, branch: "main", detached: false, unborn: true))
        XCTAssertEqual(try repo.trackedFiles(), [])
        XCTAssertEqual(repo.repoState(), RepoState(head: nil, branch: "main", dirty: false))

        try fx.write("new.txt", "hello\n")
        try fx.git("add", "new.txt")
        let files = try repo.trackedFiles()
        XCTAssertEqual(files.map(\.path), ["new.txt"])
        XCTAssertEqual(files.first?.size, 6)
        // A staged file on an unborn branch is a tracked change.
        XCTAssertEqual(try repo.status().modified, ["new.txt"])
        XCTAssertThrowsError(try repo.changedPaths(since: "HEAD")) { error in
            XCTAssertEqual((error as? GitError)?.kind, .missingRef("HEAD"))
        }
    }

    func testHeadAfterCommitMatchesGit() throws {
        let fx = try GitFixture()
        try fx.initRepo()
        try fx.write("a.txt", "a\n")
        try fx.commitAll("first")
        let repo = try GitRepository.discover(from: fx.root)
        let expected = try fx.git("rev-parse", "HEAD")
        XCTAssertEqual(expected.count, 40)
        XCTAssertEqual(try repo.head(), HeadState(commit: expected, branch: "main", detached: false, unborn: false))
        XCTAssertEqual(try repo.resolve(ref: "main"), expected)
        XCTAssertEqual(try repo.resolve(ref: String(expected.prefix(8))), expected)
        XCTAssertEqual(repo.repoState(), RepoState(head: expected, branch: "main", dirty: false))
    }

    func testDetachedHead() throws {
        let fx = try GitFixture()
        try fx.initRepo()
        try fx.write("a.txt", "1\n")
        try fx.commitAll("one")
        let first = try fx.git("rev-parse", "HEAD")
        try fx.write("a.txt", "2\n")
        try fx.commitAll("two")
        try fx.git("checkout", "-q", "--detach", first)
        let repo = try GitRepository.discover(from: fx.root)
        XCTAssertEqual(try repo.head(), HeadState(commit: first, branch: nil, detached: true, unborn: false))
        XCTAssertEqual(repo.repoState().branch, nil)
    }

    func testTagAndAnnotatedTagResolveToCommits() throws {
        let fx = try GitFixture()
        try fx.initRepo()
        try fx.write("a.txt", "1\n")
        try fx.commitAll("one")
        try fx.git("tag", "-a", "v1", "-m", "release")
        let repo = try GitRepository.discover(from: fx.root)
        XCTAssertEqual(try repo.resolve(ref: "v1"), try fx.git("rev-parse", "HEAD"))
    }

    func testMissingRef() throws {
        let fx = try GitFixture()
        try fx.initRepo()
        try fx.write("a.txt", "1\n")
        try fx.commitAll("one")
        let repo = try GitRepository.discover(from: fx.root)
        for ref in ["no-such-branch", "HEAD~5", "", "deadbeef"] {
            XCTAssertThrowsError(try repo.resolve(ref: ref), ref) { error in
                XCTAssertEqual((error as? GitError)?.kind, .missingRef(ref))
            }
            XCTAssertThrowsError(try repo.changedPaths(since: ref), ref) { error in
                XCTAssertEqual((error as? GitError)?.kind, .missingRef(ref))
            }
        }
        let msg = GitError.missingRef("nope").message
        XCTAssertTrue(msg.contains("'nope'") && msg.contains("git rev-parse"), msg)
    }

    func testLibgit2Version() {
        let v = GitRepository.libgit2Version
        XCTAssertEqual(v.split(separator: ".").count, 3, v)
        XCTAssertTrue(v.hasPrefix("1."), v)
    }

    func testOneRepositoryPerThreadConcurrently() throws {
        let fx = try GitFixture()
        try fx.initRepo()
        try fx.write("a.txt", "1\n")
        try fx.commitAll("one")
        let expected = try fx.git("rev-parse", "HEAD")
        let root = fx.root
        let results = UnsafeMutableBufferPointer<Bool>.allocate(capacity: 8)
        defer { results.deallocate() }
        results.initialize(repeating: false)
        nonisolated(unsafe) let out = results
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            guard let repo = try? GitRepository.discover(from: root) else { return }
            out[i] = (try? repo.head().commit) == expected && (try? repo.status().isDirty) == false
        }
        XCTAssertEqual(Array(results), Array(repeating: true, count: 8))
    }
}
