#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest
import SdetkitCore
@testable import SdetkitPolicy

/// The audit log and its lock are opened beneath the repository root with no link followed, so a state
/// directory swapped for a link after every check passed still gets nothing (issue #12 item 2).
final class AuditLogRaceTests: XCTestCase {
    func testAStateDirectorySwappedForALinkAfterTheLogWasSetUpGetsNothing() throws {
        let repo = TempDir()
        let outside = TempDir("outside")
        let rel = ".sdetkit/agent/audit.jsonl"
        let log = AuditLog(path: repo.abs(rel), shownName: rel)
        XCTAssertNil(log.append(["n": 1], sync: true))
        for swapped in [".sdetkit", ".sdetkit/agent"] {
            // The healthy directory moves out and a link to it takes its place: a followed link would work.
            let target = outside.abs(Path.basename(swapped))
            XCTAssertEqual(rename(repo.abs(swapped), target), 0)
            repo.symlink(swapped, to: target)
            let copy = target + (swapped == ".sdetkit" ? "/agent/audit.jsonl" : "/audit.jsonl")
            let before = try FileSystem.readString(copy)
            XCTAssertEqual(before.split(separator: "\n").count, 1)
            let failure = log.append(["n": 2], sync: true)
            XCTAssertNotNil(failure, swapped)
            XCTAssertTrue(failure?.contains("symbolic link, which is never followed") == true, failure ?? "")
            XCTAssertNotNil(log.sync(), swapped)
            XCTAssertEqual(try FileSystem.readString(copy), before, "\(swapped): written through the link")
            XCTAssertEqual(unlink(repo.abs(swapped)), 0)
            XCTAssertEqual(rename(target, repo.abs(swapped)), 0)
        }
        XCTAssertNil(log.append(["n": 3], sync: true))
        XCTAssertEqual(repo.read(rel).split(separator: "\n").count, 2)
    }

    /// The log's directory is created beneath the root too: with `.sdetkit` swapped for a link to an empty
    /// directory (where `mkdir -p` by path would create `agent/`) after the append found the directory missing,
    /// the creation fails naming it as a link and nothing is created outside.
    func testTheLogsDirectoryIsNeverCreatedThroughALink() throws {
        let repo = TempDir()
        let outside = TempDir("outside")
        let rel = ".sdetkit/agent/audit.jsonl"
        let log = AuditLog(path: repo.abs(rel), shownName: rel)
        repo.symlink(".sdetkit", to: outside.path)
        XCTAssertTrue(log.append(["n": 1], sync: true)?.contains("symbolic link, which is never followed") == true)
        // What the append does once its lock's open answered ENOENT (the link swapped in just after).
        let failure = log.createDirectory()
        XCTAssertTrue(failure?.contains("cannot create its directory: it is or goes through a symbolic link, which is never followed") == true,
                      failure ?? "")
        XCTAssertEqual(FileSystem.list(outside.path), [], "created through the link")
        // Without the link: created, one component at a time.
        XCTAssertEqual(unlink(repo.abs(".sdetkit")), 0)
        XCTAssertNil(log.append(["n": 2], sync: true))
        XCTAssertEqual(repo.read(rel).split(separator: "\n").count, 1)
    }
}
