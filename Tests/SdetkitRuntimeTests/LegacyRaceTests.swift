#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest
@testable import SdetkitRuntime
import SdetkitCore
import SdetkitStore

/// The legacy (Python sdetkit) history under `.sdetkit/agent/history` is listed, read and locked beneath the
/// repository root with no link followed, so a directory swapped for a link after the early check
/// (``StateLayout/checkNoStateLinks()``) is refused naming it, and nothing is listed or imported through it
/// (issue #12 item 2). The link points at a copy holding a real legacy record, so a followed link would import it.
final class LegacyRaceTests: XCTestCase {
    var repo = ""
    var outside = ""

    static let legacyDir: String = {
        let root = Path.dirname(Path.dirname(Path.dirname(#filePath)))
        return root + "/Tests/Fixtures/python-sdetkit-1.2.0/state/history"
    }()

    override func setUpWithError() throws {
        repo = "/tmp/sdetkit-legacy-race-\(UInt32.random(in: 0...UInt32.max))"
        outside = repo + "-outside"
        try FileSystem.createDirectories(repo)
        try FileSystem.createDirectories(outside)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/git")
        p.arguments = ["init", "-q", "-b", "main"]
        p.currentDirectoryURL = URL(fileURLWithPath: repo)
        try p.run()
        p.waitUntilExit()
    }

    override func tearDown() {
        FileSystem.removeTree(repo)
        FileSystem.removeTree(outside)
    }

    func assertNamesLink(_ error: Error, _ link: String, file: StaticString = #filePath, line: UInt = #line) {
        let message = (error as? UserFacingError)?.message ?? "\(error)"
        XCTAssertTrue(message.contains("'\(link)' is a symbolic link") && message.contains("never follows links"), message,
                      file: file, line: line)
    }

    func testNeitherTheLegacyListingNorTheImportGoesThroughASwappedInLink() async throws {
        let names = FileSystem.list(Self.legacyDir).filter { $0.hasSuffix(".json") }.sorted()
        guard let name = names.first else { throw XCTSkip("Python sdetkit data not found at \(Self.legacyDir)") }
        let layout = StateLayout(repoRoot: FileSystem.realPath(repo)!)
        _ = try StateInit.run(layout: layout, force: false)
        let ws = try Workspace.open(from: repo, registry: Toolkit.registry(), approval: .nonInteractive,
                                    environment: ["SOURCE_DATE_EPOCH": "1700000000"])
        try FileSystem.writeAtomically(FileSystem.readBytes(Self.legacyDir + "/" + name), to: ws.layout.historyDir + "/" + name)
        XCTAssertEqual(try ws.store.legacyRecordFileNames(), [name])

        for rel in [StateLayout.relHistory, StateLayout.relAgent] {
            try ws.layout.checkNoStateLinks()  // passes
            let real = ws.layout.absolute(rel)
            let target = outside + "/" + Path.basename(rel)
            XCTAssertEqual(rename(real, target), 0, rel)
            XCTAssertEqual(symlink(target, real), 0, rel)
            let before = FileSystem.list(target).sorted()

            // What verify, doctor and list use, straight after the swap (no check in between).
            XCTAssertThrowsError(try ws.store.legacyRecordFileNames()) { assertNamesLink($0, rel) }
            XCTAssertThrowsError(try ws.store.legacyRecordsNotImported()) { assertNamesLink($0, rel) }
            XCTAssertNil(ws.store.legacyNote(), rel)
            // The import of the default directory.
            do {
                let report = try await LegacyImport.run(directory: ws.layout.historyDir, shownAs: StateLayout.relHistory,
                                                        required: false, in: ws)
                XCTFail("\(rel): imported through the link: \(report.summary)")
            } catch {
                assertNamesLink(error, rel)
            }
            XCTAssertEqual(FileSystem.list(target).sorted(), before, rel)
            XCTAssertFalse(FileSystem.exists(outside + "/history/import.lock") || FileSystem.exists(outside + "/agent/history/import.lock"), rel)

            XCTAssertEqual(unlink(real), 0, rel)
            XCTAssertEqual(rename(target, real), 0, rel)
        }
        // Back in place, the record imports.
        let report = try await LegacyImport.run(directory: ws.layout.historyDir, shownAs: StateLayout.relHistory, required: false, in: ws)
        XCTAssertEqual(report.imported.count, 1, report.summary)
    }
}
