import Foundation
import XCTest
import SdetkitCore

/// A repository that ships sdetkit's state (or a part of it) as a symbolic link gets nothing written through
/// it: every command refuses, naming the link, and doctor fails (issue #12 item 2).
final class StateLinkTests: XCTestCase {
    var outside = ""

    override func setUpWithError() throws {
        outside = "/tmp/sdetkit-link-target-\(UInt32.random(in: 0...UInt32.max))"
        try FileSystem.createDirectories(outside)
    }

    override func tearDown() { FileSystem.removeTree(outside) }

    let write = #"action fs.write {"path":".sdetkit/agent/workdir/n.txt","content":"x"}"#

    /// A repository with one run, whose `rel` is then replaced by a link to `outside` (a copy of what was
    /// there, for directories, so a followed link would look healthy).
    func planted(_ rel: String) throws -> String {
        let repo = try CLIHarness.makeRepo()
        XCTAssertEqual(try CLIHarness.run(["agent", "init"], in: repo).code, 0)
        XCTAssertEqual(try CLIHarness.run(["agent", "run", write], in: repo).code, 0)
        XCTAssertEqual(try CLIHarness.run(["agent", "history", "list"], in: repo).code, 0)  // builds the index
        let abs = repo + "/" + rel
        let target = outside + "/" + Path.basename(rel)
        try CLIHarness.shell("rm -rf '\(target)' && mv '\(abs)' '\(target)' && ln -s '\(target)' '\(abs)'", in: repo)
        XCTAssertTrue(FileSystem.isSymlink(abs))
        return repo
    }

    func snapshot() -> [String: Int64] {
        var out: [String: Int64] = [:]
        func walk(_ dir: String) {
            for name in FileSystem.list(dir) {
                let p = dir + "/" + name
                if FileSystem.isDirectory(p) && !FileSystem.isSymlink(p) { walk(p) } else { out[p] = FileSystem.fileSize(p) ?? -1 }
            }
        }
        walk(outside)
        return out
    }

    func testEveryPlantedStateLinkIsRefusedAndNothingIsWrittenThroughIt() throws {
        let vectors = [".sdetkit", ".sdetkit/agent", ".sdetkit/agent/history", ".sdetkit/agent/history/objects",
                       ".sdetkit/agent/history/ledger.jsonl", ".sdetkit/agent/history/ledger.lock",
                       ".sdetkit/agent/index.sqlite", ".sdetkit/agent/workdir", ".sdetkit/agent/cache",
                       ".sdetkit/agent/audit.jsonl"]
        for rel in vectors {
            let repo = try planted(rel)
            defer { FileSystem.removeTree(repo) }
            let before = snapshot()
            for args in [["agent", "run", write], ["agent", "history", "list"], ["agent", "history", "verify"],
                         ["agent", "history", "export"], ["agent", "dashboard", "build", "--format", "json"],
                         ["agent", "history", "reindex"], ["agent", "init", "--force"]] {
                let r = try CLIHarness.run(args, in: repo)
                XCTAssertEqual(r.code, 2, "\(rel): \(args) → \(r.code) \(r.err)")
                XCTAssertTrue(r.err.contains("is a symbolic link") && r.err.contains("sdetkit never follows links"),
                              "\(rel): \(args): \(r.err)")
            }
            XCTAssertEqual(snapshot(), before, "\(rel): something was written through the link")
            let doctor = try CLIHarness.run(["agent", "doctor", "--json"], in: repo)
            XCTAssertEqual(doctor.code, 1, doctor.out)
            let check = doctor.json?["checks"]?.arrayValue?.first { $0["name"]?.stringValue == "state-layout" }
            XCTAssertEqual(check?["level"]?.stringValue, "fail", "\(rel): \(doctor.out)")
        }
    }

    func testALinkedObjectFanOutDirectoryIsRefused() throws {
        let repo = try CLIHarness.makeRepo()
        defer { FileSystem.removeTree(repo) }
        XCTAssertEqual(try CLIHarness.run(["agent", "init"], in: repo).code, 0)
        // Every fan-out directory a new record could land in is a link out of the repository.
        let objects = repo + "/.sdetkit/agent/history/objects"
        try FileSystem.createDirectories(objects)
        for i in 0..<256 {
            let name = String(format: "%02x", i)
            try FileManager.default.createSymbolicLink(atPath: objects + "/" + name, withDestinationPath: outside)
        }
        let r = try CLIHarness.run(["agent", "run", write], in: repo)
        XCTAssertEqual(r.code, 2, r.err)
        XCTAssertTrue(r.err.contains("is a symbolic link"), r.err)
        XCTAssertEqual(FileSystem.list(outside), [], "a record was written through the link")
        let doctor = try CLIHarness.run(["agent", "doctor"], in: repo)
        XCTAssertEqual(doctor.code, 1)
        XCTAssertTrue(doctor.out.contains(".sdetkit/agent/history/objects/00' is a symbolic link"), doctor.out)
    }
}
