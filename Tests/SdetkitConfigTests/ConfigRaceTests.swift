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
    /// A repository whose `.sdetkit/agent/config.yaml` holds `config`, and an empty directory outside it.
    func makeRepo(config: String) throws -> (layout: StateLayout, outside: String) {
        let repo = try makeTempDir()
        let outside = try makeTempDir()
        addTeardownBlock {
            FileSystem.removeTree(repo)
            FileSystem.removeTree(outside)
        }
        let layout = StateLayout(repoRoot: repo)
        try FileSystem.createDirectories(layout.agentDir)
        try FileSystem.writeAtomically(config, to: layout.configPath)
        return (layout, outside)
    }

    /// For each state entry in `rels`: after the early link check has passed, moves it outside and puts a link
    /// to it in its place, calls `body(rel, target)`, then puts it back.
    func withEachEntrySwappedForALink(_ rels: [String], _ layout: StateLayout, outside: String,
                                      _ body: (String, String) throws -> Void) throws {
        for (n, rel) in rels.enumerated() {
            try layout.checkNoStateLinks()  // passes
            let target = outside + "/\(n)"
            XCTAssertEqual(rename(layout.repoRoot + "/" + rel, target), 0)
            XCTAssertEqual(symlink(target, layout.repoRoot + "/" + rel), 0)
            try body(rel, target)
            XCTAssertEqual(unlink(layout.repoRoot + "/" + rel), 0)
            XCTAssertEqual(rename(target, layout.repoRoot + "/" + rel), 0)
        }
    }

    func assertNamesTheLink(_ rel: String, _ error: Error) {
        let message = (error as? UserFacingError)?.message ?? "\(error)"
        XCTAssertTrue(message.contains("'\(rel)' is a symbolic link") && message.contains("never follows links"), message)
    }

    func testTheConfigIsNeverReadThroughASwappedInLink() throws {
        let (layout, outside) = try makeRepo(config: "version: 1\nbudgets:\n  max_steps: 7\n")
        XCTAssertEqual(try ConfigLoader.load(layout: layout).config.budgets.maxSteps, 7)
        try withEachEntrySwappedForALink([StateLayout.relState, StateLayout.relAgent, StateLayout.relConfig], layout,
                                         outside: outside) { rel, _ in
            XCTAssertEqual(try ConfigLoader.load(path: layout.configPath).config.budgets.maxSteps, 7, "a read by path follows it")
            XCTAssertThrowsError(try ConfigLoader.load(layout: layout)) { error in
                assertNamesTheLink(rel, error)
                XCTAssertEqual((error as? UserFacingError)?.exitStatus, .usage)
            }
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
        let legacy = "budgets:\n  max_steps: 7\n"
        let (layout, outside) = try makeRepo(config: legacy)
        try withEachEntrySwappedForALink([StateLayout.relAgent, StateLayout.relConfig], layout, outside: outside) { rel, target in
            let before = FileSystem.list(outside).sorted() + FileSystem.list(target).sorted()
            XCTAssertThrowsError(try ConfigMigrator.migrate(layout: layout)) { assertNamesTheLink(rel, $0) }
            XCTAssertEqual(FileSystem.list(outside).sorted() + FileSystem.list(target).sorted(), before, "\(rel): written through the link")
        }
        let result = try ConfigMigrator.migrate(layout: layout)
        XCTAssertTrue(result.migrated)
        XCTAssertEqual(result.backupPath, layout.configPath + ".bak")
        XCTAssertEqual(try FileSystem.readString(layout.configPath + ".bak"), legacy)
        XCTAssertFalse(try ConfigLoader.load(layout: layout).isLegacy)
        XCTAssertEqual(try ConfigLoader.load(layout: layout).config.budgets.maxSteps, 7)
    }
}
