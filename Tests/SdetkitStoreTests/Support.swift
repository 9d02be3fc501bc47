@testable import SdetkitCore
@testable import SdetkitStore

/// A store in a new directory under /tmp (with `.sdetkit/agent/`), and that directory.
func makeTempStore(_ tag: String) throws -> (root: String, store: HistoryStore) {
    let root = "/tmp/sdetkit-\(tag)-\(UInt32.random(in: 0...UInt32.max))"
    try FileSystem.createDirectories(root + "/.sdetkit/agent")
    return (root, HistoryStore(layout: StateLayout(repoRoot: root)))
}

/// A test case with a store of its own, and the plain records and observations most store tests append.
protocol StoreFixture: AnyObject {
    var store: HistoryStore! { get }
}

extension StoreFixture {
    /// An ok run of `task` with no actions.
    func record(_ task: String) -> RunRecord {
        RunRecord(kind: "agent.run", task: task, planner: "none", steps: [], actions: [], status: .ok, configDigest: "cfg",
                  repo: RepoState(head: "abc", branch: "main", dirty: false), provider: "none")
    }

    /// Captured `i` seconds after 2023-11-14T22:13:20Z.
    func observation(_ i: Int = 0) -> RunObservation {
        RunObservation(capturedAt: RunClock.rfc3339(epochSeconds: 1_700_000_000 + Int64(i)), durationMs: 1, tool: "t", host: nil)
    }

    /// Appends `n` runs, "task 0" … "task n-1", one second apart.
    @discardableResult
    func appendSome(_ n: Int) throws -> [LedgerEntry] {
        try (0..<n).map { try store.append(record: record("task \($0)"), observation: observation($0)) }
    }
}
