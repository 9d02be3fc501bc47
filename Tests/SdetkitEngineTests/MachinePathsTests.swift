import XCTest
import SdetkitCore
import SdetkitPolicy
@testable import SdetkitEngine

final class MachinePathsTests: XCTestCase {
    func testRelativiseWholePathsOnly() {
        let root = "/tmp/checkout"
        XCTAssertEqual(MachinePaths.relativise("cannot replace /tmp/checkout/docs: Is a directory", root: root), "cannot replace docs: Is a directory")
        XCTAssertEqual(MachinePaths.relativise("'/tmp/checkout' is the root", root: root), "'.' is the root")
        XCTAssertEqual(MachinePaths.relativise("in /tmp/checkout", root: root), "in .")
        XCTAssertEqual(MachinePaths.relativise("/tmp/checkout2/x stays", root: root), "/tmp/checkout2/x stays")
        XCTAssertEqual(MachinePaths.relativise(["a": ["/tmp/checkout/b"]], root: root), ["a": ["b"]])
    }

    /// The same failing task in two checkouts of the same commit records the same hash.
    func testAFailureHashesAlikeInTwoCheckouts() async throws {
        let base = "/tmp/sdetkit-paths-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: base) }
        try makeCommittedRepo(at: base + "/one")
        try runGit(["clone", "-q", base + "/one", base + "/elsewhere-two"], in: base)
        var hashes: [String] = []
        var reasons: [String] = []
        for dir in ["one", "elsewhere-two"] {
            let root = FileSystem.realPath(base + "/" + dir)!
            let layout = StateLayout(repoRoot: root)
            _ = try StateInit.run(layout: layout, force: false)
            // A directory where the file should go: the atomic replace fails with the path in its message.
            _ = try FileSystem.createDirectories(root + "/.sdetkit/agent/workdir/d/inner")
            let ws = try Workspace.open(from: root, registry: .builtin, approval: .nonInteractive, environment: ["SOURCE_DATE_EPOCH": "1700000000"])
            let r = try await ws.run(task: #"action fs.write {"path":".sdetkit/agent/workdir/d","content":"x"}"#, dryRun: false)
            XCTAssertEqual(r.record.status, .failed, "\(r.record.actions)")
            reasons.append(r.record.actions.first?.reason ?? "")
            hashes.append(r.hash)
        }
        XCTAssertFalse(reasons[0].contains(base), reasons[0])
        XCTAssertEqual(reasons[0], reasons[1])
        XCTAssertEqual(hashes[0], hashes[1])
    }
}
