import Foundation
import XCTest
import SdetkitCore

/// The kill -9 experiment of issue #12 (item 3), repeated: runs killed at random points leave garbage, never an
/// integrity failure, never a lost acknowledged run, and `history gc` removes that garbage.
final class CrashSafetyTests: XCTestCase {
    struct Outcome {
        var acknowledged: (seq: Int, hashPrefix: String)?
        var killed: Bool
    }

    /// Starts `sdetkit agent run …`, sends SIGKILL after `delay` seconds (unless it has exited by then; nil: never),
    /// and says whether it acknowledged the run ("run N: ok  hash H…" and exit 0).
    func runAndKill(_ args: [String], in dir: String, after delay: Double?) throws -> Outcome {
        // posix_spawn and waitpid, not Process: the child stays ours (a zombie at worst) until waitpid, so the
        // SIGKILL can never reach a process that reused its pid.
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw SdetkitError("pipe failed") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addclose(&actions, fds[0])
        posix_spawn_file_actions_addclose(&actions, fds[1])
        // dash changes directory and execs sdetkit in place (same pid): a kill lands in sdetkit but for the first
        // millisecond or so.
        let argv: [UnsafeMutablePointer<CChar>?] = (["/bin/sh", "-c", #"cd "$1" && shift && exec "$@""#, "sh", dir, CLIHarness.binary] + args)
            .map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = ProcessInfo.processInfo.environment
            .filter { $0.key != "SOURCE_DATE_EPOCH" }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in argv + envp { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, "/bin/sh", &actions, nil, argv, envp)
        close(fds[1])
        guard rc == 0 else { close(fds[0]); throw SdetkitError("posix_spawn failed: \(rc)") }
        if let delay {
            if delay > 0 { usleep(useconds_t(delay * 1_000_000)) }
            kill(pid, SIGKILL)
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let bytes = (try? FileSystem.readAll(fd: fds[0], path: "pipe")) ?? []
        close(fds[0])
        let text = String(decoding: bytes, as: UTF8.self)
        let signalled = (status & 0x7f) != 0 && (status & 0x7f) != 0x7f
        let exitCode = (status >> 8) & 0xff
        guard !signalled, exitCode == 0, let line = text.split(separator: "\n").first, line.hasPrefix("run "),
              let seq = Int(line.dropFirst(4).prefix { $0 != ":" }),
              let hashRange = line.range(of: "hash ") else { return Outcome(acknowledged: nil, killed: signalled) }
        return Outcome(acknowledged: (seq, String(line[hashRange.upperBound...].prefix(12))), killed: false)
    }

    /// sdetkit's temp files (`.<name>.tmp-<pid>-<n>`) anywhere under `dir`.
    func tempFiles(under dir: String) -> [String] {
        guard let e = FileManager.default.enumerator(atPath: dir) else { return [] }
        var out: [String] = []
        while let rel = e.nextObject() as? String {
            let name = Path.basename(rel)
            if name.hasPrefix("."), let r = name.range(of: ".tmp-", options: .backwards),
               name[r.upperBound...].split(separator: "-").count == 2 { out.append(rel) }
        }
        return out
    }

    func verifyJSON(_ repo: String) throws -> (code: Int32, json: JSONValue?, err: String) {
        let r = try CLIHarness.run(["agent", "history", "verify", "--json"], in: repo)
        return (r.code, r.json, r.err)
    }

    func testTwoHundredRunsKilledAtRandomPointsLoseNothingAndGCCleansUp() throws {
        let repo = try CLIHarness.makeRepo()
        defer { try? FileManager.default.removeItem(atPath: repo) }
        XCTAssertEqual(try CLIHarness.run(["agent", "init"], in: repo).code, 0)
        func task(_ i: Int) -> [String] {
            ["agent", "run", #"action fs.write {"path":".sdetkit/agent/workdir/f\#(i)","content":"run \#(i) of the kill experiment"}"#]
        }
        // How long one run takes here, so that the kills land anywhere in a run and a share of the runs complete.
        // The machine's speed drifts under load (a CI box runs other tests beside this one), so after every tenth kill one
        // run goes unkilled and re-measures it, and the kill window follows the recent durations.
        var durations: [Double] = []
        var acknowledged: [Int: String] = [:]
        func uninterrupted(_ i: Int) throws {
            let start = Date()
            let o = try runAndKill(task(i), in: repo, after: nil)
            durations.append(Date().timeIntervalSince(start))
            let ack = try XCTUnwrap(o.acknowledged, "an unkilled run is acknowledged")
            XCTAssertNil(acknowledged[ack.seq], "sequence \(ack.seq) acknowledged twice")
            acknowledged[ack.seq] = ack.hashPrefix
        }
        func window() -> Double {
            let recent = durations.suffix(5).sorted()
            return max(0.030, recent[recent.count / 2] * 1.5)
        }
        for i in 0..<3 { try uninterrupted(1000 + i) }
        var killed = 0, completedDespiteAKill = 0, widest = 0.0
        for i in 0..<200 {
            if i % 10 == 9 { try uninterrupted(2000 + i) }
            let w = window()
            widest = max(widest, w)
            let o = try runAndKill(task(i), in: repo, after: Double.random(in: 0...w))
            if let ack = o.acknowledged {
                XCTAssertNil(acknowledged[ack.seq], "sequence \(ack.seq) acknowledged twice")
                acknowledged[ack.seq] = ack.hashPrefix
                completedDespiteAKill += 1
            }
            if o.killed { killed += 1 }
        }
        XCTAssertGreaterThan(killed, 20, "most runs are killed (window up to \(widest)s)")
        XCTAssertGreaterThan(completedDespiteAKill, 0, "some runs complete before their kill (window up to \(widest)s)")
        let window = widest

        // A crash between storing a record and appending its ledger line, made certain (the random kills may or
        // may not hit that window), and a temp file a killed writer left.
        let orphan = RunRecord(kind: "agent.run", task: "killed before its ledger line", planner: "action", steps: [],
                               actions: [], status: .ok, configDigest: "cfg", repo: RepoState(head: nil, branch: "main", dirty: false),
                               provider: "none")
        let orphanPath = "\(repo)/\(StateLayout.relObjects)/\(orphan.contentHash.prefix(2))/\(orphan.contentHash).json"
        try FileSystem.createDirectories(Path.dirname(orphanPath))
        try FileSystem.createAtomically(orphan.canonicalBytes, at: orphanPath)
        let deadTemp = "\(repo)/\(StateLayout.relWorkdir)/.planted.tmp-\(try deadPID())-1"
        try FileSystem.writeAtomically(Array("partial".utf8), to: deadTemp)

        // Interrupted runs are not an integrity failure.
        let before = try verifyJSON(repo)
        XCTAssertEqual(before.code, 0, "\(before.err)\n\(before.json.map { "\($0)" } ?? "")")
        XCTAssertEqual(before.json?["ok"], .bool(true))
        let unreferenced = try XCTUnwrap(before.json?["unreferenced"]?.intValue)
        XCTAssertGreaterThanOrEqual(unreferenced, 1)
        let text = try CLIHarness.run(["agent", "history", "verify"], in: repo)
        XCTAssertEqual(text.code, 0)
        XCTAssertTrue(text.out.contains("\(unreferenced) unreferenced object(s)") && text.out.contains("history gc"), text.out)
        let temps = tempFiles(under: repo + "/.sdetkit")
        print("kill experiment: \(killed) of 200 killed (window up to \(Int(window * 1000)) ms), \(acknowledged.count) acknowledged, "
              + "\(unreferenced - 1) unreferenced object(s) and \(temps.count - 1) temp file(s) left by the kills")

        // No acknowledged run lost.
        func assertEveryAcknowledgedRunIsListed(_ when: String) throws {
            let list = try CLIHarness.run(["agent", "history", "list", "--limit", "100000", "--json"], in: repo)
            XCTAssertEqual(list.code, 0, list.err)
            var listed: [Int: String] = [:]
            for run in list.json?.arrayValue ?? [] {
                if let seq = run["seq"]?.intValue, let hash = run["hash"]?.stringValue { listed[seq] = hash }
            }
            for (seq, prefix) in acknowledged {
                XCTAssertTrue(listed[seq]?.hasPrefix(prefix) == true, "\(when): acknowledged run \(seq) (\(prefix)) is not in the history")
            }
        }
        try assertEveryAcknowledgedRunIsListed("after the kills")
        let export = try CLIHarness.run(["agent", "history", "export", "--format", "jsonl"], in: repo)
        XCTAssertEqual(export.code, 0, export.err)
        XCTAssertGreaterThanOrEqual(export.out.split(separator: "\n").count, acknowledged.count)

        // The default age keeps all of it: it is all younger than an hour.
        let young = try CLIHarness.run(["agent", "history", "gc", "--json"], in: repo)
        XCTAssertEqual(young.code, 0, young.err)
        XCTAssertEqual(young.json?["objects"]?.intValue, 0)
        XCTAssertEqual(young.json?["temp_files"]?.intValue, 0)
        XCTAssertTrue(FileSystem.exists(orphanPath) && FileSystem.exists(deadTemp))

        // With a 0-second age: every temp file and every unreferenced object goes, nothing else.
        let gc = try CLIHarness.run(["agent", "history", "gc", "--min-age", "0", "--json"], in: repo)
        XCTAssertEqual(gc.code, 0, gc.err + gc.out)
        XCTAssertEqual(gc.json?["objects"]?.intValue, unreferenced)
        XCTAssertEqual(gc.json?["temp_files"]?.intValue, temps.count)
        XCTAssertEqual(tempFiles(under: repo + "/.sdetkit"), [])
        XCTAssertFalse(FileSystem.exists(orphanPath))
        let after = try verifyJSON(repo)
        XCTAssertEqual(after.code, 0, after.err)
        XCTAssertEqual(after.json?["unreferenced"]?.intValue, 0)
        try assertEveryAcknowledgedRunIsListed("after gc")
        // Packing afterwards bakes in no unreferenced object (there is none left, and pack takes only referenced ones).
        XCTAssertEqual(try CLIHarness.run(["agent", "history", "pack"], in: repo).code, 0)
        XCTAssertEqual(try verifyJSON(repo).json?["unreferenced"]?.intValue, 0)
        try assertEveryAcknowledgedRunIsListed("after pack")
    }

    func testPackLeavesAnInterruptedRunsRecordOutOfThePack() throws {
        let repo = try CLIHarness.makeRepo()
        defer { try? FileManager.default.removeItem(atPath: repo) }
        XCTAssertEqual(try CLIHarness.run(["agent", "run", "health-check"], in: repo).code, 0)
        let orphan = RunRecord(kind: "agent.run", task: "killed before its ledger line", planner: "action", steps: [],
                               actions: [], status: .ok, configDigest: "cfg", repo: RepoState(head: nil, branch: "main", dirty: false),
                               provider: "none")
        let path = "\(repo)/\(StateLayout.relObjects)/\(orphan.contentHash.prefix(2))/\(orphan.contentHash).json"
        try FileSystem.createDirectories(Path.dirname(path))
        try FileSystem.createAtomically(orphan.canonicalBytes, at: path)
        let pack = try CLIHarness.run(["agent", "history", "pack", "--json"], in: repo)
        XCTAssertEqual(pack.json?["packed"]?.intValue, 1, pack.out + pack.err)
        XCTAssertTrue(FileSystem.exists(path), "an unreferenced record is never packed")
        let gc = try CLIHarness.run(["agent", "history", "gc", "--min-age", "0s"], in: repo)
        XCTAssertEqual(gc.code, 0, gc.err)
        XCTAssertTrue(gc.out.contains("removed 1 unreferenced object(s)"), gc.out)
        XCTAssertFalse(FileSystem.exists(path))
        XCTAssertEqual(try verifyJSON(repo).code, 0)
        XCTAssertEqual(try CLIHarness.run(["agent", "history", "gc", "--min-age", "soon"], in: repo).code, 2)
    }

    func deadPID() throws -> pid_t {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/true")
        try p.run()
        p.waitUntilExit()
        return p.processIdentifier
    }
}
