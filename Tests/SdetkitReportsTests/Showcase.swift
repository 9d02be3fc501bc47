import XCTest
@testable import SdetkitCore
@testable import SdetkitReports
@testable import SdetkitStore

extension FixtureHistory {
    /// Three weeks of varied, deterministic history: failures, denials, a flaky template, a hostile task name.
    /// Used for the headless-browser test and for docs/dashboard.png.
    static func showcase() throws -> FixtureHistory {
        let h = try FixtureHistory(name: "showcase")
        var rng: UInt64 = 0x5DEECE66D
        func next(_ n: Int) -> Int {
            rng = rng &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((rng >> 33) % UInt64(n))
        }
        typealias A = FixtureHistory
        var runs: [(RunRecord, RunObservation)] = []
        let templates = ["release-notes", "dependency-audit", "lint-fix", "docs-sync", "nightly-smoke"]
        for day in 0..<21 {
            let count = 6 + next(10)
            for i in 0..<count {
                let t = day0 + Int64(day) * 86_400 + 3600 + Int64(i) * 1500
                let roll = next(100)
                let template: String? = roll < 55 ? templates[next(templates.count)] : nil
                var status: RunStatus = roll % 11 == 0 ? .failed : (roll % 17 == 0 ? .denied : .ok)
                if template == "nightly-smoke" { status = (day + i) % 2 == 0 ? .ok : .failed }  // the flaky one
                if day >= 12 && day <= 13 && roll % 3 == 0 { status = .failed }  // a bad patch
                let action: ActionOutcome
                switch status {
                case .ok: action = A.action(["fs.read", "fs.write", "git.status", "shell.run", "audit.run"][next(5)], "ok",
                                            approval: next(4) == 0 ? .granted : .notRequired)
                case .failed: action = A.action(["shell.run", "fs.read", "audit.run"][next(3)], "failed", approval: next(3) == 0 ? .granted : .notRequired,
                                                reason: ["exit status 1: 3 tests failed", "missing.md: no such file", "timed out after 30 s"][next(3)])
                case .denied: action = A.action("fs.write", "denied", approval: .denied, reason: "src/generated.txt: outside the write allowlist; needs approval")
                }
                let task = template.map { "template \($0)" } ?? (i == 3 && day == 9 ? "<script>alert('x')</script>" :
                    ["health-check", "status", "list docs", "read README.md", "audit"][next(5)])
                let rec = A.record(task: task, status: status, template: template,
                                   actions: [action] + (next(3) == 0 ? [A.action("git.status", "ok")] : []))
                runs.append((rec, RunObservation(capturedAt: RunClock.rfc3339(epochSeconds: t),
                                                 durationMs: 120 + next(900) + (status == .failed ? 400 + next(2400) : 0), tool: "t", host: nil)))
            }
        }
        try h.store.appendBatch(runs)
        return h
    }
}
