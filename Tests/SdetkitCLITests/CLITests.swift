import Foundation
import XCTest
import SdetkitCore

final class CLITests: XCTestCase {
    func testOutsideAGitRepositoryIsExit2WithOneLine() throws {
        let dir = "/tmp/sdetkit-nogit-\(UInt32.random(in: 0...UInt32.max))"
        try FileSystem.createDirectories(dir)
        let r = try CLIHarness.run(["agent", "init"], in: dir)
        XCTAssertEqual(r.code, 2)
        XCTAssertEqual(r.err.split(separator: "\n").count, 1, r.err)
        XCTAssertTrue(r.err.contains("git"), r.err)
    }

    func testInitIsIdempotentAndGitStatusShowsOnlyTheConfig() throws {
        let repo = try CLIHarness.makeRepo()
        XCTAssertEqual(try CLIHarness.run(["agent", "init"], in: repo).code, 0)
        try CLIHarness.run(["agent", "run", "health-check"], in: repo)
        let again = try CLIHarness.run(["agent", "init", "--json"], in: repo)
        XCTAssertEqual(again.json?["created"]?.arrayValue?.count, 0, again.out)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/git")
        p.arguments = ["status", "--porcelain", "--untracked-files=all"]
        p.currentDirectoryURL = URL(fileURLWithPath: repo)
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(text, "?? .sdetkit/agent/config.yaml\n")
    }

    func testUsageErrorsExit2() throws {
        let repo = try CLIHarness.makeRepo()
        XCTAssertEqual(try CLIHarness.run(["agent", "history", "list", "--limit", "x"], in: repo).code, 2)
        XCTAssertEqual(try CLIHarness.run(["agent", "nosuchcommand"], in: repo).code, 2)
        XCTAssertEqual(try CLIHarness.run(["agent", "--help"], in: repo).code, 0)
    }

    /// 4 processes × 25 concurrent runs: exactly 100 ledger entries, and the history verifies.
    func testFourProcessesTimesTwentyFiveRunsLoseNothing() throws {
        let repo = try CLIHarness.makeRepo()
        try CLIHarness.run(["agent", "init"], in: repo)
        let bin = CLIHarness.binary
        let script = """
        for i in 1 2 3 4; do
          ( for j in $(seq 1 25); do "\(bin)" agent run "action fs.write {\\"path\\":\\".sdetkit/agent/workdir/c-$i-$j.txt\\",\\"content\\":\\"x\\"}" >/dev/null 2>&1; done ) &
        done
        wait
        """
        try CLIHarness.shell(script, in: repo)
        let lines = try FileSystem.readString(repo + "/.sdetkit/agent/history/ledger.jsonl").split(separator: "\n")
        XCTAssertEqual(lines.count, 100)
        let verify = try CLIHarness.run(["agent", "history", "verify", "--json"], in: repo)
        XCTAssertEqual(verify.code, 0, verify.out + verify.err)
        XCTAssertEqual(verify.json?["entries"]?.intValue, 100)
        let list = try CLIHarness.run(["agent", "history", "list", "--limit", "1000", "--json"], in: repo)
        XCTAssertEqual(list.json?.arrayValue?.count, 100)
    }

    func testTamperedHistoryExits3() throws {
        let repo = try CLIHarness.makeRepo()
        try CLIHarness.run(["agent", "init"], in: repo)
        for _ in 0..<3 { try CLIHarness.run(["agent", "run", "health-check"], in: repo) }
        let ledger = repo + "/.sdetkit/agent/history/ledger.jsonl"
        var lines = try FileSystem.readString(ledger).split(separator: "\n").map(String.init)
        lines.swapAt(0, 1)
        try FileSystem.writeAtomically(lines.joined(separator: "\n") + "\n", to: ledger)
        let r = try CLIHarness.run(["agent", "history", "verify"], in: repo)
        XCTAssertEqual(r.code, 3)
        XCTAssertTrue(r.err.contains("reordered"), r.err)
    }
}
