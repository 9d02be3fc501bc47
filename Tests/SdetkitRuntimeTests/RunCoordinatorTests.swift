import Foundation
import Synchronization
import XCTest
@testable import SdetkitRuntime
import SdetkitStore

/// Records when each run's action starts and ends (and yields in between), to see whether runs overlap.
struct EnterExitAction: AgentAction {
    let name = "test.enter-exit"
    let summary = "test: note enter, sleep, note exit"
    let log: Log

    final class Log: Sendable {
        let events = Mutex<[String]>([])
        func note(_ s: String) { events.withLock { $0.append(s) } }
    }

    func run(_ params: JSONValue, in context: ActionContext) async -> ActionResult {
        let id = params["id"]?.stringValue ?? "?"
        log.note("enter \(id)")
        try? await Task.sleep(nanoseconds: 80_000_000)
        log.note("exit \(id)")
        return .succeeded(name, params)
    }
}

final class RunCoordinatorTests: XCTestCase {
    var repo = ""

    override func setUpWithError() throws {
        repo = "/tmp/sdetkit-runtime-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: repo, withIntermediateDirectories: true)
        for args in [["init", "-q", "-b", "main"], ["config", "user.email", "t@example.com"], ["config", "user.name", "t"]] {
            try git(args)
        }
        try "# test\n".write(toFile: repo + "/README.md", atomically: true, encoding: .utf8)
        try git(["add", "-A"])
        try git(["commit", "-q", "-m", "init"])
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: repo) }

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

    func workspace(config: String? = nil, extra: [any AgentAction] = []) throws -> Workspace {
        let layout = StateLayout(repoRoot: FileSystem.realPath(repo)!)
        _ = try StateInit.run(layout: layout, force: false)
        if let config { try FileSystem.writeAtomically(config, to: layout.configPath) }
        var registry = Toolkit.registry()
        for a in extra { registry.register(a) }
        return try Workspace.open(from: repo, registry: registry, approval: .nonInteractive,
                                  environment: ["SOURCE_DATE_EPOCH": "1700000000"])
    }

    func testReplayOfAWriteTakesItsContentFromTheFileCheckedByDigest() async throws {
        let ws = try workspace()
        let task = #"action fs.write {"path":".sdetkit/agent/workdir/r.txt","content":"replay me"}"#
        let first = try await ws.run(task: task, dryRun: false)
        XCTAssertFalse(first.record.task.contains("replay me"), first.record.task)
        let again = try await Replayer.replay(first.record, in: ws)
        XCTAssertEqual(again.hash, first.hash)
        try FileSystem.writeAtomically("changed", to: repo + "/.sdetkit/agent/workdir/r.txt")
        do {
            _ = try await Replayer.replay(first.record, in: ws)
            XCTFail("a changed file cannot stand in for the recorded content")
        } catch {
            XCTAssertTrue("\(error)".contains("only its SHA-256"), "\(error)")
        }
    }

    func testConcurrentRunsOfOneRepositoryNeverInterleave() async throws {
        let log = EnterExitAction.Log()
        let ws = try workspace(extra: [EnterExitAction(log: log)])
        let coordinator = RunCoordinator.shared(for: ws)
        XCTAssertTrue(coordinator === RunCoordinator.shared(for: try workspace()), "one coordinator per repository root")
        async let a = coordinator.perform(.task(#"action test.enter-exit {"id":"a"}"#), approval: .nonInteractive, origin: nil)
        async let b = coordinator.perform(.task(#"action test.enter-exit {"id":"b"}"#), approval: .nonInteractive, origin: nil)
        async let c = coordinator.perform(.task(#"action test.enter-exit {"id":"c"}"#), approval: .nonInteractive, origin: nil)
        let results = try await [a, b, c]
        XCTAssertEqual(results.map(\.record.status), [.ok, .ok, .ok])
        let events = log.events.withLock { $0 }
        XCTAssertEqual(events.count, 6)
        for pair in stride(from: 0, to: events.count, by: 2) {
            let id = events[pair].dropFirst("enter ".count)
            XCTAssertEqual([events[pair], events[pair + 1]], ["enter \(id)", "exit \(id)"], "runs overlapped: \(events)")
        }
        XCTAssertEqual(Set(results.compactMap { $0.entry?.seq }), [1, 2, 3])
    }

    func testAnApprovalIsNeverSeenByAnotherRun() async throws {
        let ws = try workspace(config: "version: 1\nsafety:\n  write_allowlist: [.sdetkit/agent/workdir, docs]\n")
        let coordinator = RunCoordinator.shared(for: ws)
        let (writeA, writeB) = (Self.write("a"), Self.write("b"))
        async let granted = coordinator.perform(writeA, approval: .granted, origin: nil)
        async let plain = coordinator.perform(writeB, approval: .nonInteractive, origin: nil)
        let (g, p) = try await (granted, plain)
        XCTAssertEqual(g.record.status, .ok)
        XCTAssertEqual(g.record.actions.first?.approval, .granted)
        XCTAssertEqual(p.record.status, .denied, "the other run's --approve is not inherited")
        XCTAssertFalse(FileSystem.exists(repo + "/docs/b.md"))

        // Prompt answers are remembered for one run only: a second run is asked again.
        let asked = Mutex<[String]>([])
        let yes = ApprovalMode.prompt { q in asked.withLock { $0.append(q) }; return true }
        _ = try await coordinator.perform(Self.write("c"), approval: yes, origin: nil)
        let no = ApprovalMode.prompt { q in asked.withLock { $0.append("second: " + q) }; return false }
        let refused = try await coordinator.perform(Self.write("c"), approval: no, origin: nil)
        XCTAssertEqual(refused.record.status, .denied)
        XCTAssertEqual(asked.withLock { $0.count }, 2, "\(asked.withLock { $0 })")
        XCTAssertFalse(ws.policy.hasUnsyncedAuditLines, "each commit synced the run's decisions")
    }

    static func write(_ name: String) -> RunRequest {
        .task(#"action fs.write {"path":"docs/\#(name).md","content":"x"}"#)
    }

    func testTheAuditRunHonoursBudgetsAndProviderNotes() async throws {
        let ws = try workspace(config: """
        version: 1
        budgets:
          max_steps: 2
        provider:
          type: local
          endpoint: http://127.0.0.1:9/api/generate
          timeout_seconds: 1
        """)
        let result = try await RunCoordinator.shared(for: ws).perform(.audit(profile: "default"), approval: .nonInteractive, origin: nil)
        XCTAssertEqual(result.record.kind, "audit")
        XCTAssertEqual(result.record.status, .failed)
        XCTAssertEqual(result.record.actions.first?.reason, "not run: plan needs 3 steps but budgets.max_steps is 2")
        XCTAssertEqual(result.record.steps[1].detail, "nothing executed: plan needs 3 steps but budgets.max_steps is 2")
        let notes = result.entry?.observation.notes ?? []
        XCTAssertTrue(notes.first?.hasPrefix("provider local unavailable") ?? false, "\(notes)")
    }

    func testOriginRoundTripsAndDoesNotChangeTheHash() async throws {
        let ws = try workspace()
        let coordinator = RunCoordinator.shared(for: ws)
        let origin = RunOrigin(requestID: "req-1", eventID: "evt-9", channel: "#ops \"quoted\"", user: "ana")
        let plain = try await coordinator.perform(.task("health-check"), approval: .nonInteractive, origin: nil)
        let tagged = try await coordinator.perform(.task("health-check"), approval: .nonInteractive, origin: origin)
        XCTAssertEqual(plain.hash, tagged.hash, "origin is observed metadata, not part of the record")
        XCTAssertNil(plain.entry?.origin)
        XCTAssertEqual(tagged.entry?.origin, origin)
        let reread = try XCTUnwrap(try ws.store.ledgerEntry(seq: 2))
        XCTAssertEqual(reread.origin, origin)
        XCTAssertEqual(reread.chain, reread.computedChain)
        let shown = RunResult(record: tagged.record, entry: reread, observation: reread.observation).json
        XCTAssertEqual(shown["observed"]?["origin"]?["request_id"], "req-1")
        XCTAssertEqual(shown["observed"]?["origin"]?["user"], "ana")
        XCTAssertNil(RunResult(record: plain.record, entry: plain.entry, observation: nil).json["observed"]?["origin"])
        let report = try ws.store.verify()
        XCTAssertTrue(report.ok, "\(report.problems)")
        XCTAssertEqual(try ws.store.list(limit: 5).count, 2)
    }

    func testATemplateRequestChecksItsInputs() async throws {
        let ws = try workspace()
        let coordinator = RunCoordinator.shared(for: ws)
        do {
            _ = try await coordinator.perform(.template(id: "repo-health-audit", inputs: ["no_such_input": "x"]),
                                              approval: .nonInteractive, origin: nil)
            XCTFail("expected an input error")
        } catch let e as UserFacingError {
            XCTAssertTrue(e.message.contains("no input 'no_such_input'"), e.message)
        }
        XCTAssertEqual(try ws.store.ledgerEntries().count, 0)
    }

    func testACancelledRequestDoesNotRun() async throws {
        let log = EnterExitAction.Log()
        let ws = try workspace(extra: [EnterExitAction(log: log)])
        let coordinator = RunCoordinator.shared(for: ws)
        let first = Task { try await coordinator.perform(.task(#"action test.enter-exit {"id":"first"}"#), approval: .nonInteractive, origin: nil) }
        while log.events.withLock({ $0.isEmpty }) { try await Task.sleep(nanoseconds: 5_000_000) }
        let queued = Task { try await coordinator.perform(.task(#"action test.enter-exit {"id":"queued"}"#), approval: .nonInteractive, origin: nil) }
        while await coordinator.waiting == 0 { try await Task.sleep(nanoseconds: 5_000_000) }
        queued.cancel()
        do {
            _ = try await queued.value
            XCTFail("a cancelled request must not run")
        } catch is CancellationError {}
        _ = try await first.value
        XCTAssertEqual(log.events.withLock { $0 }, ["enter first", "exit first"])
        XCTAssertEqual(try ws.store.ledgerEntries().count, 1)
    }
}
