import Foundation
import XCTest
@testable import SdetkitRuntime
import SdetkitStore

/// Each doctor check fails (or warns) when its subject is wrong, and passes when it is right.
final class DoctorTests: XCTestCase {
    var repo = ""
    var outside = ""
    var layout: StateLayout { StateLayout(repoRoot: FileSystem.realPath(repo)!) }

    override func setUpWithError() throws {
        let id = UInt32.random(in: 0...UInt32.max)
        repo = "/tmp/sdetkit-doctor-\(id)"
        outside = "/tmp/sdetkit-doctor-outside-\(id)"
        try FileManager.default.createDirectory(atPath: repo, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        for args in [["init", "-q", "-b", "main"], ["config", "user.email", "t@example.com"], ["config", "user.name", "t"]] {
            try git(args)
        }
        try "# test\n".write(toFile: repo + "/README.md", atomically: true, encoding: .utf8)
        try git(["add", "-A"])
        try git(["commit", "-q", "-m", "init"])
        _ = try StateInit.run(layout: layout, force: false)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: repo)
        try? FileManager.default.removeItem(atPath: outside)
    }

    func git(_ args: [String]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/git")
        p.arguments = args
        p.currentDirectoryURL = URL(fileURLWithPath: repo)
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, "git \(args)")
    }

    func check(_ name: String) throws -> DoctorCheck {
        let all = Doctor.checks(layout: layout, probeProvider: false)
        return try XCTUnwrap(all.first { $0.name == name }, "no check \(name) in \(all.map(\.name))")
    }

    func runs(_ n: Int) async throws {
        let ws = try Workspace.open(from: repo, registry: Toolkit.registry(), approval: .nonInteractive,
                                    environment: ["SOURCE_DATE_EPOCH": "1700000000"])
        for i in 0..<n {
            _ = try await ws.run(task: #"action fs.write {"path":".sdetkit/agent/workdir/f\#(i)","content":"x\#(i)"}"#, dryRun: false)
        }
    }

    func testASoundRepositoryPassesEveryCheck() async throws {
        try await runs(3)
        let all = Doctor.checks(layout: layout, probeProvider: false)
        for c in all { XCTAssertEqual(c.level, .ok, "\(c.name): \(c.detail)") }
        XCTAssertTrue(try check("sqlite").detail.contains("passes integrity_check"))
        XCTAssertTrue(try check("libgit2").detail.contains("branch main, 1 tracked files"))
    }

    func testLibgit2FailsWhenItCannotReadTheRepository() throws {
        try Data("DIRC garbage, not an index".utf8).write(to: URL(fileURLWithPath: repo + "/.git/index"))
        let c = try check("libgit2")
        XCTAssertEqual(c.level, .fail, c.detail)
        XCTAssertTrue(c.detail.contains("cannot read the repository"), c.detail)
    }

    func testSQLiteFailsWhenTheIndexFailsIntegrityCheckAndReindexRepairsIt() async throws {
        try await runs(30)
        let path = layout.indexPath
        let handle = try XCTUnwrap(FileHandle(forUpdatingAtPath: path))
        let size = try handle.seekToEnd()
        // Every b-tree page after the first gets a header of an invalid page type.
        for offset in stride(from: UInt64(4096), to: size, by: 4096) {
            try handle.seek(toOffset: offset)
            handle.write(Data([0x0D, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]))
        }
        try handle.close()
        let c = try check("sqlite")
        XCTAssertEqual(c.level, .fail, c.detail)
        XCTAssertTrue(c.detail.contains("fails integrity_check"), c.detail)
        XCTAssertEqual(try check("index").level, .fail)

        XCTAssertEqual(try HistoryStore(layout: layout).reindex(), 30)
        XCTAssertEqual(try check("sqlite").level, .ok)
        XCTAssertEqual(try check("index").level, .ok)
    }

    func testSQLiteFailsOnAFileThatIsNotADatabase() throws {
        try Data("not a database".utf8).write(to: URL(fileURLWithPath: layout.indexPath))
        let c = try check("sqlite")
        XCTAssertEqual(c.level, .fail, c.detail)
        XCTAssertEqual(try HistoryStore(layout: layout).reindex(), 0)
        XCTAssertEqual(try check("sqlite").level, .ok)
    }

    func testAllowlistEntryThroughALinkOutOfTheRepositoryFails() throws {
        try FileManager.default.createSymbolicLink(atPath: repo + "/docs", withDestinationPath: outside)
        try FileSystem.writeAtomically("version: 1\nsafety:\n  write_allowlist: [docs]\n", to: layout.configPath)
        let c = try check("allowlists")
        XCTAssertEqual(c.level, .fail, c.detail)
        XCTAssertTrue(c.detail.contains("'docs' goes through the link 'docs'") && c.detail.contains("outside the repository"), c.detail)
    }

    func testAllowlistEntryThroughADanglingLinkFails() throws {
        try FileManager.default.createDirectory(atPath: repo + "/out", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: repo + "/out/gen", withDestinationPath: outside + "/missing")
        try FileSystem.writeAtomically("version: 1\nsafety:\n  write_allowlist: [out/gen/reports]\n", to: layout.configPath)
        let c = try check("allowlists")
        XCTAssertEqual(c.level, .fail, c.detail)
        XCTAssertTrue(c.detail.contains("'out/gen'") && c.detail.contains("dangles"), c.detail)
    }

    func testAllowlistEntryThroughALinkInsideTheRepositoryWarns() throws {
        try FileManager.default.createDirectory(atPath: repo + "/real-docs", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: repo + "/docs", withDestinationPath: "real-docs")
        try FileSystem.writeAtomically("version: 1\nsafety:\n  write_allowlist: [docs]\n", to: layout.configPath)
        let c = try check("allowlists")
        XCTAssertEqual(c.level, .warn, c.detail)
        XCTAssertTrue(c.detail.contains("list 'real-docs' itself"), c.detail)
    }

    func testAllowlistEntryThatIsAFileFails() throws {
        try FileSystem.writeAtomically("version: 1\nsafety:\n  write_allowlist: [README.md]\n", to: layout.configPath)
        XCTAssertEqual(try check("allowlists").level, .fail)
    }

    func testAnInterpreterInTheShellAllowlistWarns() throws {
        try FileSystem.writeAtomically("version: 1\nsafety:\n  shell_allowlist: ['python3', 'git status']\n", to: layout.configPath)
        let c = try check("allowlists")
        XCTAssertEqual(c.level, .warn, c.detail)
        XCTAssertTrue(c.ok)
        XCTAssertTrue(c.detail.contains("python3") && c.detail.contains("interpreter"), c.detail)
    }

    func testALinkInTheStateLayoutFails() throws {
        let history = layout.historyDir
        try FileManager.default.removeItem(atPath: history)
        try FileManager.default.createSymbolicLink(atPath: history, withDestinationPath: outside)
        let c = try check("state-layout")
        XCTAssertEqual(c.level, .fail, c.detail)
        XCTAssertTrue(c.detail.contains("'.sdetkit/agent/history' is a symbolic link"), c.detail)
    }

    func testAMissingStateDirectoryFails() throws {
        try FileManager.default.removeItem(atPath: layout.cacheDir)
        XCTAssertEqual(try check("state-layout").level, .fail)
    }
}
