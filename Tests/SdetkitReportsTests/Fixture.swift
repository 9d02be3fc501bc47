import Foundation
import XCTest
@testable import SdetkitCore
@testable import SdetkitReports
@testable import SdetkitStore

/// 2023-11-14T00:00:00Z.
let day0: Int64 = 1_699_920_000

/// A throw-away history under /tmp.
final class FixtureHistory {
    let root: String
    let store: HistoryStore
    var nextTime: [Int: Int64] = [:]

    init(name: String = "fixture") throws {
        root = "/tmp/sdetkit-reports-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileSystem.createDirectories(root + "/.sdetkit/agent/workdir")
        store = HistoryStore(layout: StateLayout(repoRoot: root))
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    static func action(_ name: String, _ outcome: String, approval: ApprovalState = .notRequired, reason: String? = nil) -> ActionOutcome {
        ActionOutcome(action: name, params: ["n": .string(name)], ok: outcome == "ok", denied: outcome == "denied",
                      reason: reason ?? (outcome == "ok" ? "ok" : "\(name) \(outcome)"), approval: approval)
    }

    static func record(task: String, status: RunStatus, template: String? = nil, actions: [ActionOutcome]) -> RunRecord {
        RunRecord(kind: template == nil ? "agent.run" : "template.run", task: task,
                  planner: actions.count == 1 ? "action" : "none", steps: [], actions: actions, status: status,
                  configDigest: "cfg", repo: RepoState(head: "abc", branch: "main", dirty: false), provider: "none",
                  template: template.map { ["id": .string($0), "version": "1.0"] })
    }

    /// One run on `day` (0-based from 2023-11-14), ten minutes after the previous run of that day.
    @discardableResult
    func add(_ status: RunStatus, day: Int, ms: Int, task: String? = nil, template: String? = nil,
             actions: [ActionOutcome]) throws -> LedgerEntry {
        let t = (nextTime[day] ?? (day0 + Int64(day) * 86_400 + 3600)) + 600
        nextTime[day] = t
        let rec = Self.record(task: task ?? "task \(status.rawValue) \(actions.first?.action ?? "none")", status: status,
                              template: template, actions: actions)
        return try store.append(record: rec, observation: RunObservation(capturedAt: RunClock.rfc3339(epochSeconds: t),
                                                                         durationMs: ms, tool: "sdetkit test", host: nil))
    }

    /// The known history the metric tests check (docs: see MetricsTests).
    static func standard() throws -> FixtureHistory {
        let h = try FixtureHistory(name: "standard")
        typealias A = FixtureHistory
        try h.add(.ok, day: 0, ms: 100, actions: [A.action("fs.list", "ok")])                                    // 1
        try h.add(.failed, day: 0, ms: 200, actions: [A.action("nope.x", "failed", reason: "unknown action 'nope.x'")]) // 2
        try h.add(.failed, day: 0, ms: 300, actions: [A.action("fs.read", "failed", reason: "missing.txt: no such file")]) // 3
        try h.add(.denied, day: 1, ms: 400, actions: [A.action("fs.write", "denied", approval: .denied)])         // 4
        try h.add(.ok, day: 1, ms: 500, template: "flip", actions: [A.action("fs.read", "ok")])                   // 5
        try h.add(.failed, day: 1, ms: 600, template: "flip", actions: [A.action("fs.read", "failed")])           // 6
        try h.add(.ok, day: 2, ms: 700, template: "flip", actions: [A.action("fs.read", "ok")])                   // 7
        try h.add(.failed, day: 2, ms: 800, template: "flip", actions: [A.action("fs.read", "failed")])           // 8
        try h.add(.ok, day: 2, ms: 900, actions: [A.action("shell.run", "ok", approval: .granted)])               // 9
        try h.add(.failed, day: 2, ms: 1000, actions: [A.action("shell.run", "failed", approval: .granted)])      // 10
        try h.add(.ok, day: 2, ms: 50, template: "gated", actions: [A.action("fs.write", "ok", approval: .granted)])    // 11
        try h.add(.denied, day: 2, ms: 60, template: "gated", actions: [A.action("fs.write", "denied", approval: .denied)]) // 12
        try h.add(.ok, day: 2, ms: 70, template: "gated", actions: [A.action("fs.write", "ok", approval: .granted)])    // 13
        try h.add(.denied, day: 2, ms: 80, template: "gated", actions: [A.action("fs.write", "denied", approval: .denied)]) // 14
        try h.add(.ok, day: 2, ms: 90, task: "<script>alert('x')</script>", actions: [])                           // 15
        try h.add(.ok, day: 2, ms: 10, task: "health-check", actions: [A.action("fs.list", "ok"), A.action("git.status", "ok")]) // 16
        return h
    }

    func dashboard(_ options: DashboardOptions = DashboardOptions(), epoch: Int64 = 1_700_200_000) -> Dashboard {
        Dashboard(store: store, options: options, clock: RunClock(fixedEpoch: epoch))
    }

    func render(_ format: DashboardFormat, _ options: DashboardOptions = DashboardOptions(),
                csvTable: CSVTable = .runs) throws -> [UInt8] {
        let d = dashboard(options)
        return try d.renderBytes(format, summary: try d.summary(), csvTable: csvTable)
    }
}

extension [UInt8] {
    var text: String { String(decoding: self, as: UTF8.self) }
}

/// Runs a program, returning exit status, stdout and stderr.
func runProcess(_ path: String, _ args: [String], stdin: [UInt8]? = nil, timeout: TimeInterval = 120) throws -> (Int32, String, String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = args
    let out = Pipe(), err = Pipe(), inp = Pipe()
    p.standardOutput = out
    p.standardError = err
    p.standardInput = stdin == nil ? FileHandle.nullDevice : inp
    try p.run()
    if let stdin {
        inp.fileHandleForWriting.write(Data(stdin))
        try? inp.fileHandleForWriting.close()
    }
    // Drain both pipes concurrently so a chatty child never blocks on a full pipe.
    let errData = LockedData()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
        errData.set(err.fileHandleForReading.readDataToEndOfFile())
        group.leave()
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    _ = group.wait(timeout: .now() + timeout)
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData.get(), as: UTF8.self))
}

final class LockedData: @unchecked Sendable {
    private var data = Data()
    private let lock = NSLock()
    func set(_ d: Data) { lock.lock(); data = d; lock.unlock() }
    func get() -> Data { lock.lock(); defer { lock.unlock() }; return data }
}

/// Finds an executable on PATH (or the usual system directories).
func which(_ name: String) -> String? {
    let path = (ProcessInfo.processInfo.environment["PATH"] ?? "") + ":/usr/bin:/usr/local/bin:/bin"
    for dir in path.split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") {
        return "\(dir)/\(name)"
    }
    return nil
}

/// The repository checkout this test file lives in.
let repositoryRoot: String = {
    var comps = URL(fileURLWithPath: #filePath).pathComponents
    comps.removeLast(3)  // Tests/SdetkitReportsTests/Fixture.swift
    return "/" + comps.dropFirst().joined(separator: "/")
}()
