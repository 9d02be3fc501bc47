import Foundation
import XCTest
import SdetkitCore

final class DemoTests: XCTestCase {
    /// With SOURCE_DATE_EPOCH, the demo in two fresh copies of one repository (different paths) gives
    /// byte-identical artifacts, none of which contains an absolute path.
    func testDemoIsDeterministicAcrossCheckouts() throws {
        let a = try CLIHarness.makeRepo()
        let b = "/tmp/sdetkit-cli-copy-\(UInt32.random(in: 0...UInt32.max))/nested/repo"
        try FileSystem.createDirectories(Path.dirname(b))
        try CLIHarness.shell("cp -a '\(a)' '\(b)'", in: "/tmp")
        let env = ["SOURCE_DATE_EPOCH": "1700000000"]
        let ra = try CLIHarness.run(["agent", "demo", "--json"], in: a, env: env)
        let rb = try CLIHarness.run(["agent", "demo", "--json"], in: b, env: env)
        XCTAssertEqual(ra.code, 0, ra.err)
        XCTAssertEqual(rb.code, 0, rb.err)
        let arts = try XCTUnwrap(ra.json?["artifacts"]?.objectValue)
        XCTAssertGreaterThan(arts.count, 5)
        XCTAssertEqual(ra.json?["run_hashes"], rb.json?["run_hashes"])
        for (name, path) in arts {
            let rel = try XCTUnwrap(path.stringValue)
            XCTAssertFalse(rel.hasPrefix("/"), name)
            let x = try FileSystem.readBytes(a + "/" + rel), y = try FileSystem.readBytes(b + "/" + rel)
            XCTAssertEqual(x, y, "\(name) differs between checkouts")
            let text = String(decoding: x, as: UTF8.self)
            XCTAssertFalse(text.contains(a) || text.contains(b) || text.contains("/tmp/"), "\(name) holds an absolute path")
        }
        let verify = try CLIHarness.run(["agent", "history", "verify"], in: a)
        XCTAssertEqual(verify.code, 0, verify.err)
    }

    func testDemoInARepositoryWithoutCommitsSaysSo() throws {
        let dir = "/tmp/sdetkit-unborn-\(UInt32.random(in: 0...UInt32.max))"
        try FileSystem.createDirectories(dir)
        try CLIHarness.shell("git init -q -b main && echo '# new' > README.md", in: dir)
        let r = try CLIHarness.run(["agent", "demo", "--json"], in: dir)
        XCTAssertNotNil(r.json, r.err)
        XCTAssertTrue((r.json?["notes"]?.arrayValue ?? []).contains { $0.stringValue?.contains("no commits") == true }, r.out)
    }

    /// Replaying the demo's audit run (one repo.audit action writing three reports) matches; so do its
    /// template runs (issue #11: "Replaying any audit run recorded by the demo matches").
    func testReplayOfTheDemosAuditRunMatches() throws {
        let repo = try CLIHarness.makeRepo()
        defer { FileSystem.removeTree(repo) }
        XCTAssertEqual(try CLIHarness.run(["agent", "demo"], in: repo).code, 0)
        let list = try CLIHarness.run(["agent", "history", "list", "--json"], in: repo)
        let runs = list.json?.arrayValue ?? []
        let audit = try XCTUnwrap(runs.first { $0["kind"]?.stringValue == "audit" }, list.out)
        let seq = String(try XCTUnwrap(audit["seq"]?.intValue))
        let replay = try CLIHarness.run(["agent", "history", "replay", seq, "--json"], in: repo)
        XCTAssertEqual(replay.code, 0, replay.out + replay.err)
        XCTAssertEqual(replay.json?["match"], true, replay.out)
        for run in runs where run["kind"]?.stringValue == "template.run" {
            let r = try CLIHarness.run(["agent", "history", "replay", String(run["seq"]?.intValue ?? 0)], in: repo)
            XCTAssertEqual(r.code, 0, "\(run["task"]?.stringValue ?? ""): \(r.out)")
        }
    }
}
