#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest
@testable import SdetkitCore

/// Opens beneath the repository root never follow a symbolic link, whether it was there before sdetkit looked
/// (``StateLayout/checkNoStateLinks()``) or swapped in afterwards (issue #12 item 2). Every link planted here
/// points at a healthy copy, so a plain `open` would succeed: these tests fail if the openat2/O_NOFOLLOW opens
/// are replaced by opens by path.
final class BeneathRootTests: XCTestCase {
    var repo = ""
    var outside = ""

    override func setUpWithError() throws {
        (repo, outside) = try makeRepoAndOutside("beneath")
        try FileSystem.createDirectories(repo + "/a/b/c")
        try FileSystem.writeAtomically("inside\n", to: repo + "/a/b/c/file")
    }

    /// Both ways of resolving: openat2 (this kernel has it) and the component walk old kernels get.
    let modes = [false, true]

    /// Moves `rel` out of the repository (as `<outside>/<n>`) and puts a link to it in its place.
    func plantLink(_ rel: String, _ n: Int) throws -> String {
        let target = outside + "/\(n)"
        XCTAssertEqual(rename(repo + "/" + rel, target), 0)
        XCTAssertEqual(symlink(target, repo + "/" + rel), 0)
        return target
    }

    func assertRefused(_ body: () throws -> Void, naming link: String, _ context: String,
                       file: StaticString = #filePath, line: UInt = #line) {
        do {
            try body()
            XCTFail("\(context): followed the link \(link)", file: file, line: line)
        } catch {
            let message = (error as? SdetkitError)?.message ?? "\(error)"
            XCTAssertTrue(message.contains("'\(link)' is a symbolic link") && message.contains("never follows links"),
                          "\(context): \(message)", file: file, line: line)
        }
    }

    func testOpensThroughALinkAtEveryComponentAreRefusedNamingIt() throws {
        let rel = "a/b/c/file"
        var prefixes: [String] = []
        for part in Path.components(rel) { prefixes.append(prefixes.last.map { $0 + "/" + part } ?? part) }
        for (n, link) in prefixes.enumerated() {
            let target = try plantLink(link, n)
            XCTAssertEqual(try FileSystem.readString(repo + "/" + rel), "inside\n")  // a plain open follows it
            for walk in modes {
                let root = try BeneathRoot(path: repo, walkComponents: walk)
                let context = "\(link) (walk: \(walk))"
                assertRefused({ close(try root.open(rel, flags: O_RDONLY)) }, naming: link, context)
                assertRefused({ _ = try root.openIfPresent(rel, flags: O_WRONLY | O_CREAT | O_APPEND) }, naming: link, context)
                assertRefused({ _ = try root.readIfPresent(rel) }, naming: link, context)
                if link != rel {
                    assertRefused({ close(try root.openDirectory(Path.dirname(rel))) }, naming: link, context)
                    assertRefused({ close(try root.open(Path.dirname(rel) + "/new", flags: O_WRONLY | O_CREAT)) }, naming: link, context)
                    assertRefused({ try root.createDirectory(Path.dirname(rel) + "/newdir") }, naming: link, context)
                }
                // The raw form answers ELOOP (a link) and never a descriptor.
                XCTAssertEqual(root.rawOpen(rel, flags: O_RDONLY), -ELOOP, context)
            }
            // Nothing was created or changed through it.
            XCTAssertFalse(FileSystem.exists(repo + "/a/b/c/new"))
            let seen = try FileManager.default.subpathsOfDirectory(atPath: target).filter { $0.hasSuffix("new") || $0.hasSuffix("newdir") }
            XCTAssertEqual(seen, [], link)
            // Put it back for the next component.
            XCTAssertEqual(unlink(repo + "/" + link), 0)
            XCTAssertEqual(rename(target, repo + "/" + link), 0)
        }
        for walk in modes {
            let root = try BeneathRoot(path: repo, walkComponents: walk)
            XCTAssertEqual(try root.readIfPresent(rel).map { String(decoding: $0, as: UTF8.self) }, "inside\n")
            XCTAssertNil(try root.readIfPresent("a/b/missing"))
            XCTAssertNil(try root.openIfPresent("a/missing/x", flags: O_RDONLY))
        }
    }

    func testTheComponentWalkRefusesDotDotAndAbsolutePaths() throws {
        let root = try BeneathRoot(path: repo, walkComponents: true)
        for rel in ["../x", "a/../../x", "/etc/passwd", "a/./b"] {
            XCTAssertEqual(BeneathRoot.walk(from: root.fd, rel, flags: O_RDONLY | O_NOFOLLOW, mode: 0), -EXDEV, rel)
        }
        let beneath = try BeneathRoot(path: repo)
        XCTAssertEqual(beneath.rawOpen("../x", flags: O_RDONLY), -EXDEV)
        XCTAssertThrowsError(try beneath.open("a/../../etc/passwd", flags: O_RDONLY))
    }

    /// The race: the state passes the early lstat check, then a directory on the way is replaced by a link
    /// before the open. The open itself refuses it and nothing is written through it.
    func testALinkSwappedInAfterTheLinkCheckIsStillRefused() throws {
        let layout = StateLayout(repoRoot: repo)
        try FileSystem.createDirectories(layout.historyDir + "/objects/ab")
        try FileSystem.writeAtomically("{}\n", to: layout.ledgerPath)
        for (n, rel) in [StateLayout.relAgent, StateLayout.relHistory, StateLayout.relObjects + "/ab"].enumerated() {
            try layout.checkNoStateLinks()  // passes: no link yet
            let target = try plantLink(rel, n)
            let before = try FileManager.default.subpathsOfDirectory(atPath: target).sorted()
            for walk in modes {
                let root = try BeneathRoot(path: repo, walkComponents: walk)
                let context = "\(rel) (walk: \(walk))"
                if rel != StateLayout.relObjects + "/ab" {
                    assertRefused({ close(try root.open(StateLayout.relLedger, flags: O_RDWR | O_CREAT)) },
                                  naming: rel, context + " ledger")
                }
                assertRefused({
                    let dir = try root.openDirectory(StateLayout.relObjects + "/ab")
                    defer { close(dir) }
                    try BeneathRoot.writeFile(Array("x".utf8), named: "obj.json", in: dir, shown: "obj.json")
                }, naming: rel, context + " object")
            }
            XCTAssertEqual(try FileManager.default.subpathsOfDirectory(atPath: target).sorted(), before,
                           "\(rel): something was written through the link")
            XCTAssertEqual(unlink(repo + "/" + rel), 0)
            XCTAssertEqual(rename(target, repo + "/" + rel), 0)
        }
    }

    func testDirectoryWritesAreAtomicAndNeverFollowTheName() throws {
        let root = try BeneathRoot(path: repo)
        let dir = try root.openDirectory("a/b")
        defer { close(dir) }
        XCTAssertTrue(try BeneathRoot.writeFile(Array("one".utf8), named: "f", in: dir, shown: "a/b/f"))
        XCTAssertTrue(try BeneathRoot.writeFile(Array("two".utf8), named: "f", in: dir, shown: "a/b/f"))
        XCTAssertEqual(try FileSystem.readString(repo + "/a/b/f"), "two")
        // createOnly: the first writer wins.
        XCTAssertTrue(try BeneathRoot.writeFile(Array("first".utf8), named: "g", in: dir, mode: 0o444, placement: .createOnly, shown: "g"))
        XCTAssertFalse(try BeneathRoot.writeFile(Array("second".utf8), named: "g", in: dir, placement: .createOnly, shown: "g"))
        XCTAssertEqual(try FileSystem.readString(repo + "/a/b/g"), "first")
        // A link at the name is replaced (renameat), never written through.
        try FileSystem.writeAtomically("outside\n", to: outside + "/victim")
        XCTAssertEqual(symlink(outside + "/victim", repo + "/a/b/h"), 0)
        try BeneathRoot.writeFile(Array("mine".utf8), named: "h", in: dir, shown: "a/b/h")
        XCTAssertFalse(FileSystem.isSymlink(repo + "/a/b/h"))
        XCTAssertEqual(try FileSystem.readString(outside + "/victim"), "outside\n")
        XCTAssertEqual(FileSystem.list(repo + "/a/b").filter { $0.hasPrefix(".") }, [], "a temp file was left")
        // A directory created beneath the root; a link in its place is refused.
        XCTAssertTrue(try root.createDirectory("a/b/d"))
        XCTAssertFalse(try root.createDirectory("a/b/d"))
        XCTAssertEqual(symlink(outside, repo + "/a/b/e"), 0)
        assertRefused({ try root.createDirectory("a/b/e") }, naming: "a/b/e", "mkdir over a link")
    }

    func testTheLockFileIsOpenedBeneathTheRoot() throws {
        let root = try BeneathRoot(path: repo)
        _ = try FileLock(root: root, rel: "a/b/lock")
        XCTAssertTrue(FileSystem.exists(repo + "/a/b/lock"))
        let target = try plantLink("a/b", 0)
        assertRefused({ _ = try FileLock(root: root, rel: "a/b/lock2") }, naming: "a/b", "lock")
        XCTAssertFalse(FileSystem.exists(target + "/lock2"))
    }
}
