#if canImport(Glibc)
import Glibc
#endif
import SdetkitAudit
import SdetkitCore
import SdetkitStore

/// `sdetkit-bench history DIR RUNS [--distinct]` — appends RUNS synthetic runs to DIR's history
/// (DIR must be a git work tree), spread over 30 days, with ok/failed/denied runs, template runs and
/// varied durations. With --distinct every record is unique (one object file per run), as a worst case
/// for `history verify`; otherwise about 300 distinct records are shared, as identical runs are.
///
/// `sdetkit-bench audit-keywords` — prints the audit pre-filter's keywords, one a line, for the `git grep`
/// comparison in `scripts/bench.sh`.
@main
enum BenchMain {
    static func main() throws {
        let args = Array(CommandLine.arguments.dropFirst())
        if args == ["audit-keywords"] {
            for word in AuditCatalogue.prefilterKeywords { print(word) }
            return
        }
        guard args.count >= 3, args[0] == "history", let runs = Int(args[2]) else {
            print("usage: sdetkit-bench history DIR RUNS [--distinct] | sdetkit-bench audit-keywords")
            exit(2)
        }
        let distinct = args.contains("--distinct")
        let root = FileSystem.realPath(args[1]) ?? args[1]
        let store = HistoryStore(layout: StateLayout(repoRoot: root))
        var rng = SplitMix(seed: 42)
        let start: Int64 = 1_700_000_000
        var batch: [(RunRecord, RunObservation)] = []
        batch.reserveCapacity(min(runs, 100_000))
        for i in 0..<runs {
            let variant = distinct ? i : Int(rng.next() % 300)
            let record = synthetic(variant: variant, rng: &rng)
            let t = start + Int64(i) * (30 * 86_400) / Int64(max(runs, 1))
            let obs = RunObservation(capturedAt: RunClock.rfc3339(epochSeconds: t), durationMs: Int(rng.next() % 4000),
                                     tool: ToolInfo.versionString, host: "bench")
            batch.append((record, obs))
            if batch.count == 100_000 {
                try store.appendBatch(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        if !batch.isEmpty { try store.appendBatch(batch) }
        print("appended \(runs) runs to \(root)")
    }

    static func synthetic(variant: Int, rng: inout SplitMix) -> RunRecord {
        let templates = ["repo-health-audit", "docs-link-check", "release-readiness", "flaky-one", nil, nil, nil]
        let template = templates[variant % templates.count]
        let roll = variant % 20
        let status: RunStatus = roll == 0 ? .denied : (roll < 3 ? .failed : .ok)
        let actionNames = ["fs.write", "fs.read", "shell.run", "git.status", "repo.audit"]
        var actions: [ActionOutcome] = []
        for k in 0..<(1 + variant % 3) {
            let last = k == variant % 3
            actions.append(ActionOutcome(action: actionNames[(variant + k) % actionNames.count], params: ["n": .int(variant)],
                                         ok: !(last && status != .ok), denied: last && status == .denied,
                                         reason: last && status != .ok ? "synthetic \(status.rawValue)" : "ok",
                                         approval: k % 2 == 0 ? .notRequired : .granted))
        }
        return RunRecord(kind: template == nil ? "agent.run" : "template.run",
                         task: template.map { "template \($0)" } ?? "synthetic task \(variant)", planner: template == nil ? "action" : "template",
                         steps: [PlanStep(role: "manager", detail: "synthetic")], actions: actions, status: status,
                         configDigest: "bench", repo: RepoState(head: nil, branch: "main", dirty: false), provider: "none",
                         template: template.map { ["id": .string($0), "version": "1.0"] })
    }
}

struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
