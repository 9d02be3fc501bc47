#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest
import SdetkitCore
@testable import SdetkitEngine

/// `sdetkit agent init` creates the state directories beneath the repository root with no symbolic link
/// followed, so a state directory swapped for a link (to an empty directory outside, where `mkdir -p` by
/// path would happily create everything) is refused, naming it, and nothing is created outside (issue #12 item 2).
final class StateInitRaceTests: XCTestCase {
    func testInitNeverCreatesStateThroughASwappedInLink() throws {
        let tag = UInt32.random(in: 0...UInt32.max)
        let repo = "/tmp/sdetkit-init-race-\(tag)"
        let outside = "/tmp/sdetkit-init-race-out-\(tag)"
        try FileSystem.createDirectories(repo + "/" + StateLayout.relState)
        defer {
            FileSystem.removeTree(repo)
            FileSystem.removeTree(outside)
        }
        let layout = StateLayout(repoRoot: repo)
        for rel in [StateLayout.relState, StateLayout.relAgent] {
            try FileSystem.createDirectories(outside)
            try layout.checkNoStateLinks()  // passes
            if FileSystem.isDirectory(repo + "/" + rel) { XCTAssertEqual(rmdir(repo + "/" + rel), 0) }
            XCTAssertEqual(symlink(outside, repo + "/" + rel), 0)
            XCTAssertThrowsError(try StateInit.run(layout: layout, force: true)) { error in
                let message = (error as? SdetkitError)?.message ?? "\(error)"
                XCTAssertTrue(message.contains("'\(rel)' is a symbolic link") && message.contains("never follows links"), message)
            }
            XCTAssertEqual(FileSystem.list(outside), [], "\(rel): created through the link")
            XCTAssertEqual(unlink(repo + "/" + rel), 0)
            FileSystem.removeTree(outside)
            if rel == StateLayout.relState { try FileSystem.createDirectories(repo + "/" + rel) }
        }
        // The healthy case, twice: everything created, then everything there.
        let first = try StateInit.run(layout: layout, force: false)
        XCTAssertTrue(first.created.contains(StateLayout.relConfig), "\(first.created)")
        XCTAssertTrue(first.created.contains(StateLayout.relObjects + "/"), "\(first.created)")
        XCTAssertTrue(FileSystem.isRegularFile(layout.configPath))
        XCTAssertTrue(FileSystem.isRegularFile(layout.stateDir + "/.gitignore"))
        let second = try StateInit.run(layout: layout, force: false)
        XCTAssertEqual(second.created, [])
        XCTAssertFalse(second.overwroteConfig)
        XCTAssertTrue(try StateInit.run(layout: layout, force: true).overwroteConfig)
    }
}
