import Foundation
import XCTest
import SdetkitCore
@testable import SdetkitPolicy

final class AuditLogTests: XCTestCase {
    func lines(_ repo: TempDir, _ rel: String = ".sdetkit/agent/audit.jsonl") -> [String] {
        repo.read(rel).split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { !$0.isEmpty }
    }

    func testEveryDecisionAppendsOneCanonicalJSONLine() throws {
        let repo = TempDir()
        repo.write("docs/readme.md", "SECRET-CONTENT\n")
        let engine = makeEngine(repo, shell: [["git", "status"]], approval: .nonInteractive,
                                audit: repo.abs(".sdetkit/agent/audit.jsonl"))
        _ = engine.checkWrite(path: ".sdetkit/agent/workdir/a.txt", action: "file.write")
        _ = engine.checkWrite(path: "docs/../docs/readme.md", action: "file.write")
        _ = engine.checkWrite(path: "../escape", action: "file.write")
        _ = engine.checkRead(path: "docs/readme.md", action: "file.read")
        _ = engine.checkCommand(cmd: "git status --short", argv: nil, action: "shell")
        _ = engine.checkCommand(cmd: "echo a;b", argv: nil, action: "shell")

        let text = lines(repo)
        XCTAssertEqual(text.count, 6)
        var objects: [JSONValue] = []
        for line in text {
            let value = try JSONParser.parse(line)
            XCTAssertEqual(CanonicalJSON.string(value), line, "lines are RFC 8785 canonical")
            XCTAssertFalse(line.contains("SECRET-CONTENT"))
            XCTAssertFalse(line.contains(repo.path), "no absolute paths")
            objects.append(value)
        }
        for o in objects {
            XCTAssertEqual(o["time"], "2001-09-09T01:46:40Z")
            for key in ["action", "kind", "target", "allowed", "approval", "reason", "requested"] {
                XCTAssertNotNil(o[key], key)
            }
        }
        XCTAssertEqual(objects.map { $0["kind"]?.stringValue }, ["write", "write", "write", "read", "command", "command"])
        XCTAssertEqual(objects.map { $0["allowed"]?.boolValue }, [true, false, false, true, false, false])
        XCTAssertEqual(objects[0]["approval"], "not_required")
        XCTAssertEqual(objects[0]["target"], ".sdetkit/agent/workdir/a.txt")
        XCTAssertEqual(objects[1]["target"], "docs/readme.md")
        XCTAssertEqual(objects[1]["requested"], "docs/../docs/readme.md")
        XCTAssertEqual(objects[1]["approval"], "denied")
        XCTAssertEqual(objects[1]["reason"], "needs approval: re-run with --approve")
        XCTAssertEqual(objects[2]["target"], "../escape")
        XCTAssertEqual(objects[3]["action"], "file.read")
        XCTAssertEqual(objects[4]["target"], ["git", "status", "--short"])
        XCTAssertEqual(objects[4]["requested"], "git status --short")
        XCTAssertEqual(objects[5]["target"], [])
    }

    func testConcurrentAppendsNeverInterleave() throws {
        let repo = TempDir()
        let log = repo.abs(".sdetkit/agent/audit.jsonl")
        let long = String(repeating: "d", count: 3000)  // longer than PIPE_BUF
        let engines = (0..<4).map { _ in makeEngine(repo, write: ["."], approval: .granted, audit: log) }
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            for j in 0..<25 {
                _ = engines[i % 4].checkWrite(path: "\(long)/\(i)-\(j)", action: "concurrent")
            }
        }
        let text = lines(repo)
        XCTAssertEqual(text.count, 200)
        for line in text { XCTAssertNoThrow(try JSONParser.parse(line)) }
    }

    func testSymlinkedAuditLogIsNeverFollowedAndDeniesEverything() {
        let repo = TempDir()
        let outside = TempDir("outside")
        outside.write("bashrc", "original\n")
        repo.mkdir(".sdetkit/agent")
        repo.symlink(".sdetkit/agent/audit.jsonl", to: outside.abs("bashrc"))
        let engine = makeEngine(repo, approval: .granted, audit: repo.abs(".sdetkit/agent/audit.jsonl"))
        let d = engine.checkWrite(path: ".sdetkit/agent/workdir/x", action: "t")
        XCTAssertFalse(d.allowed)
        XCTAssertTrue(d.reason.contains("cannot write the audit log"), d.reason)
        XCTAssertFalse(d.reason.contains(outside.path), d.reason)
        let c = makeEngine(repo, shell: [["true"]], approval: .granted, audit: repo.abs(".sdetkit/agent/audit.jsonl"))
            .checkCommand(cmd: "true", argv: nil, action: "t")
        XCTAssertFalse(c.allowed)
        XCTAssertEqual(outside.read("bashrc"), "original\n")
    }

    func testStateDirectorySymlinkedOutsideIsRefused() {
        let repo = TempDir()
        let outside = TempDir("outside")
        repo.symlink(".sdetkit", to: outside.path)
        let engine = makeEngine(repo, approval: .granted, audit: repo.abs(".sdetkit/agent/audit.jsonl"))
        let d = engine.checkRead(path: "README.md", action: "t")
        XCTAssertFalse(d.allowed)
        XCTAssertTrue(d.reason.contains("outside the repository"), d.reason)
        XCTAssertFalse(outside.exists("agent"))
    }

    func testCustomAuditLogInsideRepositoryIsProtected() {
        let repo = TempDir()
        let engine = makeEngine(repo, write: ["logs"], approval: .granted, audit: repo.abs("logs/audit.log"))
        XCTAssertFalse(engine.checkWrite(path: "logs/audit.log", action: "t").allowed)
        XCTAssertFalse(engine.checkWrite(path: "logs/audit.log.lock", action: "t").allowed)
        XCTAssertTrue(engine.checkWrite(path: "logs/other.log", action: "t").allowed)
        XCTAssertEqual(lines(repo, "logs/audit.log").count, 3)
    }

    func testNoAuditPathLogsNothing() {
        let repo = TempDir()
        XCTAssertTrue(makeEngine(repo, approval: .granted).checkWrite(path: "docs/x", action: "t").allowed)
        XCTAssertFalse(repo.exists(".sdetkit"))
    }
}

/// Which decisions are synced at once and which wait for the run's commit (docs/security-model.md).
final class AuditLogSyncTests: XCTestCase {
    func testDecisionsThatLetSomethingActOutsideTheOutputAreasAreSyncedAtOnce() throws {
        let repo = TempDir()
        let engine = makeEngine(repo, shell: [["git", "status"]], approval: .granted,
                                audit: repo.abs(".sdetkit/agent/audit.jsonl"))
        XCTAssertTrue(engine.checkCommand(cmd: "git status", argv: nil, action: "shell").allowed)
        XCTAssertTrue(engine.checkWrite(path: "docs/x.md", action: "file.write").allowed)
        XCTAssertFalse(engine.hasUnsyncedAuditLines, "an allowed command or approved write waits for nothing")
    }

    func testOtherDecisionsWaitForTheNextSync() throws {
        let repo = TempDir()
        repo.write("docs/readme.md", "x\n")
        let engine = makeEngine(repo, approval: .nonInteractive, audit: repo.abs(".sdetkit/agent/audit.jsonl"))
        for check in [{ engine.checkWrite(path: ".sdetkit/agent/workdir/a.txt", action: "file.write") },
                      { engine.checkRead(path: "docs/readme.md", action: "file.read") },
                      { engine.checkWrite(path: "../escape", action: "file.write") }] {
            _ = check()
            XCTAssertTrue(engine.hasUnsyncedAuditLines)
            try engine.syncAuditLog()
            XCTAssertFalse(engine.hasUnsyncedAuditLines)
        }
        XCTAssertEqual(repo.read(".sdetkit/agent/audit.jsonl").split(separator: "\n").count, 3,
                       "every line is written at once, whenever it is synced")
    }

    func testASyncThatFailsIsReportedAndRetried() throws {
        let repo = TempDir()
        let engine = makeEngine(repo, approval: .nonInteractive, audit: repo.abs(".sdetkit/agent/audit.jsonl"))
        _ = engine.checkWrite(path: ".sdetkit/agent/workdir/a.txt", action: "file.write")
        try FileManager.default.removeItem(atPath: repo.abs(".sdetkit/agent/audit.jsonl"))
        XCTAssertThrowsError(try engine.syncAuditLog()) { error in
            guard case PolicyError.auditLog(let why) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(why.contains("cannot write the audit log"), why)
        }
        XCTAssertTrue(engine.hasUnsyncedAuditLines, "the lines still need a sync")
    }
}
