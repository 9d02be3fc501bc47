#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest
@testable import SdetkitCore

/// Creating `.sdetkit/` and its directories, and writing its `.gitignore`, never goes through a symbolic link,
/// even one swapped in after the early check (issue #12 item 2). Each link points at a healthy directory
/// outside, so `mkdir -p` or a write by path would succeed there: these tests fail if the creation goes back
/// to paths.
final class StateDirectoryRaceTests: XCTestCase {
    var repo = ""
    var outside = ""

    override func setUpWithError() throws {
        (repo, outside) = try makeRepoAndOutside("statedir")
    }

    func tree(_ dir: String) -> [String] {
        ((try? FileManager.default.subpathsOfDirectory(atPath: dir)) ?? []).sorted()
    }

    func assertNamesLink(_ error: Error, _ link: String, file: StaticString = #filePath, line: UInt = #line) {
        let message = (error as? SdetkitError)?.message ?? "\(error)"
        XCTAssertTrue(message.contains("'\(link)' is a symbolic link") && message.contains("never follows links"), message,
                      file: file, line: line)
    }

    func testDirectoriesAreCreatedOneComponentAtATimeAndALinkAtAnyIsRefused() throws {
        let root = try BeneathRoot(path: repo)
        let rel = "a/b/c"
        XCTAssertEqual(try root.createDirectories(rel), ["a", "a/b", "a/b/c"])
        XCTAssertTrue(FileSystem.isDirectory(repo + "/a/b/c"))
        XCTAssertEqual(try root.createDirectories(rel), [])
        let (fd, created) = try root.openDirectory(creating: "a/b/c/d")
        XCTAssertEqual(created, ["a/b/c/d"])
        XCTAssertEqual(FileSystem.descriptorPath(fd), repo + "/a/b/c/d")
        close(fd)
        FileSystem.removeTree(repo + "/a/b/c/d")
        for (n, link) in ["a", "a/b", "a/b/c"].enumerated() {
            let target = outside + "/\(n)"
            XCTAssertEqual(rename(repo + "/" + link, target), 0)
            XCTAssertEqual(symlink(target, repo + "/" + link), 0)
            let before = tree(outside)
            XCTAssertThrowsError(try root.createDirectories("a/b/c/d")) { assertNamesLink($0, link) }
            XCTAssertThrowsError(try root.openDirectory(creating: "a/b/c")) { assertNamesLink($0, link) }
            XCTAssertEqual(tree(outside), before, "\(link): a directory was created through the link")
            XCTAssertEqual(unlink(repo + "/" + link), 0)
            XCTAssertEqual(rename(target, repo + "/" + link), 0)
        }
        // A dangling link where a missing directory would be created: not created through it either.
        XCTAssertEqual(symlink(outside + "/new", repo + "/a/b/dangling"), 0)
        XCTAssertThrowsError(try root.createDirectories("a/b/dangling/x")) { assertNamesLink($0, "a/b/dangling") }
        XCTAssertFalse(FileSystem.exists(outside + "/new"))
        XCTAssertThrowsError(try root.createDirectories("a/../x"))
    }

    /// `.sdetkit` swapped for a link after ``StateLayout/checkNoStateLinks()`` passed: neither the directory nor
    /// its `.gitignore` is created through it.
    func testTheStateDirectoryAndItsGitignoreAreNeverWrittenThroughALink() throws {
        let layout = StateLayout(repoRoot: repo)
        try layout.checkNoStateLinks()  // passes: nothing there yet
        // A link to an empty directory: a `mkdir -p` would pass through it, a write by path would land outside.
        XCTAssertEqual(symlink(outside, repo + "/" + StateLayout.relState), 0)
        XCTAssertThrowsError(try layout.createStateDirectory()) { assertNamesLink($0, StateLayout.relState) }
        XCTAssertEqual(tree(outside), [], "written through the link")
        XCTAssertEqual(unlink(repo + "/" + StateLayout.relState), 0)

        // The healthy case still creates both, once.
        XCTAssertTrue(try layout.ensureStateDirectory())
        XCTAssertEqual(try FileSystem.readString(repo + "/.sdetkit/.gitignore"), StateLayout.gitignore)
        XCTAssertFalse(try layout.ensureStateDirectory())
        XCTAssertFalse(try layout.createStateDirectory())
        XCTAssertEqual(FileSystem.list(repo + "/.sdetkit").filter { $0.hasPrefix(".") && $0 != ".gitignore" }, [])
    }
}
