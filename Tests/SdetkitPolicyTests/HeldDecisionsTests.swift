import XCTest
import SdetkitCore
@testable import SdetkitPolicy

/// A run prepared alongside others logs its decisions when it is recorded, in decision order, and never asks.
final class HeldDecisionsTests: XCTestCase {
    let logRel = ".sdetkit/agent/audit.jsonl"

    func lines(_ repo: TempDir) -> [JSONValue] {
        repo.read(logRel).split(separator: "\n").compactMap { try? JSONParser.parse(String($0)) }
    }

    func testLinesAreHeldUntilReleasedThenWrittenInDecisionOrder() throws {
        let repo = TempDir()
        let base = makeEngine(repo, audit: repo.abs(logRel))
        let first = base.deferringDecisions()
        let second = base.deferringDecisions()
        XCTAssertTrue(second.checkWrite(path: ".sdetkit/agent/workdir/b1", action: "two").allowed)
        XCTAssertTrue(first.checkWrite(path: ".sdetkit/agent/workdir/a1", action: "one").allowed)
        XCTAssertFalse(first.checkWrite(path: "../escape", action: "one").allowed)
        XCTAssertTrue(first.checkRead(path: "docs", action: "one").allowed)
        XCTAssertTrue(second.checkWrite(path: ".sdetkit/agent/workdir/b2", action: "two").allowed)
        XCTAssertEqual(lines(repo).count, 0, "nothing is logged before the run is recorded")
        XCTAssertFalse(base.hasUnsyncedAuditLines)

        try first.releaseHeldDecisions()
        try second.releaseHeldDecisions()
        try second.releaseHeldDecisions()  // nothing left: a no-op
        let logged = lines(repo)
        XCTAssertEqual(logged.map { $0["action"]?.stringValue }, ["one", "one", "one", "two", "two"])
        XCTAssertEqual(logged.map { $0["target"]?.stringValue }, [".sdetkit/agent/workdir/a1", "../escape", "docs",
                                                                   ".sdetkit/agent/workdir/b1", ".sdetkit/agent/workdir/b2"])
        XCTAssertEqual(logged.map { $0["allowed"]?.boolValue }, [true, false, true, true, true])
        XCTAssertTrue(base.hasUnsyncedAuditLines, "released lines are synced with the rest, by the engine they came from")
        try base.syncAuditLog()
        XCTAssertFalse(base.hasUnsyncedAuditLines)
    }

    func testAHeldEngineNeverAsksAndRefusesWhatNeedsApproval() {
        let repo = TempDir()
        let prompt = PromptRecorder(answer: true)
        for approval in [prompt.mode, .granted] {
            let held = makeEngine(repo, shell: [["git", "status"]], approval: approval, audit: repo.abs(logRel)).deferringDecisions()
            let write = held.checkWrite(path: "docs/page.md", action: "w")
            XCTAssertFalse(write.allowed)
            XCTAssertEqual(write.approval, .denied)
            XCTAssertTrue(write.reason.contains("prepared alongside others"), write.reason)
            let command = held.checkCommand(cmd: "git status", argv: nil, action: "c")
            XCTAssertFalse(command.allowed)
            XCTAssertTrue(command.reason.contains("prepared alongside others"), command.reason)
            XCTAssertTrue(held.checkWrite(path: ".sdetkit/agent/workdir/x", action: "w").allowed, "output areas need no approval")
        }
        XCTAssertEqual(prompt.asked, [])
        XCTAssertEqual(lines(repo).count, 0)
    }

    func testAFailedReleaseKeepsTheLinesForTheNextAttempt() throws {
        let repo = TempDir()
        let held = makeEngine(repo, audit: repo.abs(logRel)).deferringDecisions()
        _ = held.checkWrite(path: ".sdetkit/agent/workdir/a", action: "one")
        repo.mkdir(".sdetkit/agent")
        repo.symlink(logRel, to: "/tmp/elsewhere-\(getpid())")  // never followed: the append fails
        XCTAssertThrowsError(try held.releaseHeldDecisions()) { error in
            guard case PolicyError.auditLog(let why) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(why.contains("cannot write the audit log"), why)
        }
        try FileManager.default.removeItem(atPath: repo.abs(logRel))
        try held.releaseHeldDecisions()
        XCTAssertEqual(lines(repo).map { $0["target"]?.stringValue }, [".sdetkit/agent/workdir/a"])
    }

    func testAnEngineThatHoldsNothingReleasesNothing() throws {
        let repo = TempDir()
        let base = makeEngine(repo, audit: repo.abs(logRel))
        _ = base.checkWrite(path: ".sdetkit/agent/workdir/a", action: "one")
        try base.releaseHeldDecisions()
        XCTAssertEqual(lines(repo).count, 1, "a plain engine logs at once")
    }
}
