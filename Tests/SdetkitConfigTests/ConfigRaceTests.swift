#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest
import SdetkitCore
@testable import SdetkitConfig

/// The repository's configuration is read beneath the repository root with no symbolic link followed, so a
/// state directory swapped for a link after the early check is refused, naming it (issue #12 item 2). The link
/// points at a healthy copy holding a valid config: a read by path would succeed.
final class ConfigRaceTests: XCTestCase {
    func testTheConfigIsNeverReadThroughASwappedInLink() throws {
        let repo = try makeTempDir()
        let outside = try makeTempDir()
        defer {
            FileSystem.removeTree(repo)
            FileSystem.removeTree(outside)
        }
        let layout = StateLayout(repoRoot: repo)
        try FileSystem.createDirectories(layout.agentDir)
        try FileSystem.writeAtomically("version: 1\nbudgets:\n  max_steps: 7\n", to: layout.configPath)
        XCTAssertEqual(try ConfigLoader.load(layout: layout).config.budgets.maxSteps, 7)
        for (n, rel) in [StateLayout.relState, StateLayout.relAgent, StateLayout.relConfig].enumerated() {
            try layout.checkNoStateLinks()  // passes
            let target = outside + "/\(n)"
            XCTAssertEqual(rename(repo + "/" + rel, target), 0)
            XCTAssertEqual(symlink(target, repo + "/" + rel), 0)
            XCTAssertEqual(try ConfigLoader.load(path: layout.configPath).config.budgets.maxSteps, 7, "a read by path follows it")
            XCTAssertThrowsError(try ConfigLoader.load(layout: layout)) { error in
                let message = (error as? UserFacingError)?.message ?? "\(error)"
                XCTAssertTrue(message.contains("'\(rel)' is a symbolic link") && message.contains("never follows links"), message)
                XCTAssertEqual((error as? UserFacingError)?.exitStatus, .usage)
            }
            XCTAssertEqual(unlink(repo + "/" + rel), 0)
            XCTAssertEqual(rename(target, repo + "/" + rel), 0)
        }
        // Missing: the defaults, as by path.
        FileSystem.remove(layout.configPath)
        let missing = try ConfigLoader.load(layout: layout)
        XCTAssertFalse(missing.exists)
        XCTAssertEqual(missing.path, layout.configPath)
    }
}

extension ConfigRaceTests {
    /// `config migrate` reads, backs up and rewrites the configuration relative to `.sdetkit/agent` opened beneath
    /// the root: swapped for a link to a copy after the check, nothing in the copy is read or written.
    func testMigrateNeverGoesThroughASwappedInLink() throws {
        let repo = try makeTempDir()
        let outside = try makeTempDir()
        defer {
            FileSystem.removeTree(repo)
            FileSystem.removeTree(outside)
        }
        let layout = StateLayout(repoRoot: repo)
        try FileSystem.createDirectories(layout.agentDir)
        let legacy = "budgets:\n  max_steps: 7\n"
        try FileSystem.writeAtomically(legacy, to: layout.configPath)
        for (n, rel) in [StateLayout.relAgent, StateLayout.relConfig].enumerated() {
            try layout.checkNoStateLinks()  // passes
            let target = outside + "/\(n)"
            XCTAssertEqual(rename(repo + "/" + rel, target), 0)
            XCTAssertEqual(symlink(target, repo + "/" + rel), 0)
            let before = FileSystem.list(outside).sorted() + FileSystem.list(target).sorted()
            XCTAssertThrowsError(try ConfigMigrator.migrate(layout: layout)) { error in
                let message = (error as? UserFacingError)?.message ?? "\(error)"
                XCTAssertTrue(message.contains("'\(rel)' is a symbolic link") && message.contains("never follows links"), message)
            }
            XCTAssertEqual(FileSystem.list(outside).sorted() + FileSystem.list(target).sorted(), before, "\(rel): written through the link")
            XCTAssertEqual(unlink(repo + "/" + rel), 0)
            XCTAssertEqual(rename(target, repo + "/" + rel), 0)
        }
        let result = try ConfigMigrator.migrate(layout: layout)
        XCTAssertTrue(result.migrated)
        XCTAssertEqual(result.backupPath, layout.configPath + ".bak")
        XCTAssertEqual(try FileSystem.readString(layout.configPath + ".bak"), legacy)
        XCTAssertFalse(try ConfigLoader.load(layout: layout).isLegacy)
        XCTAssertEqual(try ConfigLoader.load(layout: layout).config.budgets.maxSteps, 7)
    }
}
