import SdetkitCore

/// `sdetkit.dashboard/v1` JSON (docs/schemas/dashboard.schema.json): pretty-printed, keys sorted, `failures`
/// streamed from the index so memory stays flat however many runs failed.
struct JSONRenderer {
    let summary: DashboardSummary

    /// Every member except `failures`.
    var members: [String: JSONValue] {
        let s = summary
        return [
            "schema": .string(DashboardSummary.schema),
            "generated_at": .string(s.generatedAt),
            "filters": s.filter.json,
            "runs": [
                "total": .int(s.runs.total), "ok": .int(s.runs.ok), "failed": .int(s.runs.failed), "denied": .int(s.runs.denied),
                "success_rate": num(s.runs.successRate), "latest_status": .optional(s.runs.latestStatus),
                "current_success_streak": .int(s.runs.currentSuccessStreak),
                "longest_failure_streak": .int(s.runs.longestFailureStreak),
            ],
            "slo": sloJSON,
            "top_templates": .array(s.topTemplates.map { groupJSON($0, key: "template") }),
            "top_actions": .array(s.topActions.map {
                ["action": .string($0.action), "count": .int($0.count), "ok": .int($0.ok), "failed": .int($0.failed),
                 "denied": .int($0.denied), "failure_rate": .number($0.failureRate)]
            }),
            "families": .array(s.families.map { groupJSON($0, key: "family") }),
            "distinct": ["templates": .int(s.templateCount), "actions": .int(s.actionCount), "families": .int(s.familyCount)],
            "utilisation": utilisationJSON,
            "approvals": [
                "approved": .int(s.approvals.approved), "auto_approved": .int(s.approvals.autoApproved),
                "denied": .int(s.approvals.denied), "failed_after_approval": .int(s.approvals.failedAfterApproval),
            ],
            "flaky": .array(s.flaky.map {
                ["template": .string($0.template), "switches": .int($0.switches), "recent": .array($0.recent.map { .string($0) })]
            }),
            "failures_total": .int(s.failureCount),
            "daily": .array(s.daily.map {
                ["date": .string($0.date), "runs": .int($0.runs), "ok": .int($0.ok), "failed": .int($0.failed),
                 "denied": .int($0.denied), "success_rate": .number($0.successRate)]
            }),
            "integrity": ["verified": .bool(s.integrity.verified), "entries": .int(s.integrity.entries),
                          "head": .string(s.integrity.head), "problem": .optional(s.integrity.problem)],
            "audit": auditJSON,
        ]
    }

    /// `{"runs", "latest": {seq, captured_at, hash, score, profile, findings: {critical … info, total}} | null,
    /// "change", "trend": [{seq, captured_at, score}] (oldest first)}`.
    var auditJSON: JSONValue {
        let a = summary.audit
        var latest: JSONValue = .null
        if let l = a.latest {
            var findings: [String: JSONValue] = [:]
            let c = a.findings ?? AuditSeverityCounts()
            for row in c.rows { findings[row.severity] = .int(row.count) }
            findings["total"] = .int(c.total)
            latest = ["seq": .int(l.seq), "captured_at": .string(l.capturedAt), "hash": .string(l.hash),
                      "score": .number(l.score), "profile": .optional(a.profile), "findings": .object(findings)]
        }
        return ["runs": .int(a.runs), "latest": latest, "change": num(a.change), "trend_limit": .int(AuditPanel.trendLimit),
                "trend": .array(a.trend.map { ["seq": .int($0.seq), "captured_at": .string($0.capturedAt), "score": .number($0.score)] })]
    }

    var sloJSON: JSONValue {
        let slo = summary.slo
        let b = slo.errorBudget
        return [
            "targets": ["success_rate": .number(slo.targets.successRate), "p95_duration_ms": .int(slo.targets.p95DurationMs)],
            "success_rate": num(slo.successRate), "success_rate_met": bool(slo.successRateMet),
            "duration_ms": ["p50": int(slo.durations.p50), "p95": int(slo.durations.p95), "p99": int(slo.durations.p99)],
            "p95_met": bool(slo.p95Met),
            "incidents": .int(slo.incidents),
            "error_budget": ["allowed": .number(b.allowed), "used": .int(b.used), "remaining": .number(b.remaining),
                             "used_fraction": num(b.usedFraction), "exhausted": .bool(b.exhausted)],
        ]
    }

    var utilisationJSON: JSONValue {
        let u = summary.utilisation
        return ["runs": .int(u.runs), "runs_with_actions": .int(u.runsWithActions), "share_with_actions": num(u.shareWithActions),
                "actions": .int(u.actions), "actions_per_run": num(u.actionsPerRun), "max_actions_in_run": .int(u.maxActionsInRun),
                "action_budget": .int(u.actionBudget), "budget_use": num(u.budgetUse), "runs_at_budget": .int(u.runsAtBudget)]
    }

    func groupJSON(_ g: GroupStat, key: String) -> JSONValue {
        [key: .string(g.name), "runs": .int(g.runs), "ok": .int(g.ok), "failed": .int(g.failed), "denied": .int(g.denied),
         "failure_rate": .number(g.failureRate)]
    }

    static func failureJSON(_ f: FailureRow) -> JSONValue {
        ["seq": .int(f.seq), "captured_at": .string(f.capturedAt), "hash": .string(f.hash), "status": .string(f.status),
         "task": .string(f.task), "template": .optional(f.template), "family": .string(f.family),
         "reason": .optional(f.reason), "duration_ms": .int(f.durationMs)]
    }

    func num(_ v: Double?) -> JSONValue { v.map { .number($0) } ?? .null }
    func int(_ v: Int?) -> JSONValue { v.map { .int($0) } ?? .null }
    func bool(_ v: Bool?) -> JSONValue { v.map { .bool($0) } ?? .null }

    /// The whole document with failures taken from `summary.failures` (tests, small histories).
    func document() -> JSONValue {
        var o = members
        o["failures"] = .array(summary.failures.map(Self.failureJSON))
        return .object(o)
    }

    func write(failures: (((FailureRow) throws -> Void) throws -> Void), sink: ([UInt8]) throws -> Void) throws {
        try withoutActuallyEscaping(sink) { sink in try write(failures: failures, escapingSink: sink) }
    }

    private func write(failures: (((FailureRow) throws -> Void) throws -> Void), escapingSink sink: @escaping ([UInt8]) throws -> Void) throws {
        var buf: [UInt8] = []
        buf.reserveCapacity(1 << 16)
        var all = members
        all["failures"] = .array([])
        buf.append(UInt8(ascii: "{"))
        for (i, key) in all.keys.sorted(by: CanonicalJSON.utf16Less).enumerated() {
            buf.append(contentsOf: i == 0 ? [0x0A] : [UInt8(ascii: ","), 0x0A])
            Pretty.pad(1, into: &buf)
            CanonicalJSON.writeString(key, into: &buf)
            buf.append(contentsOf: [UInt8(ascii: ":"), 0x20])
            if key == "failures" {
                var first = true
                buf.append(UInt8(ascii: "["))
                try failures { row in
                    buf.append(contentsOf: first ? [0x0A] : [UInt8(ascii: ","), 0x0A])
                    first = false
                    Pretty.pad(2, into: &buf)
                    Pretty.write(Self.failureJSON(row), indent: 2, into: &buf)
                    if buf.count >= 1 << 16 { try sink(buf); buf.removeAll(keepingCapacity: true) }
                }
                if !first { buf.append(0x0A); Pretty.pad(1, into: &buf) }
                buf.append(UInt8(ascii: "]"))
            } else if let v = all[key] {
                Pretty.write(v, indent: 1, into: &buf)
            }
        }
        buf.append(contentsOf: [0x0A, UInt8(ascii: "}"), 0x0A])
        try sink(buf)
    }
}

/// Pretty JSON (two-space indent, keys sorted) at any indentation, byte-identical to `JSONValue.prettyPrinted()`.
enum Pretty {
    static func pad(_ n: Int, into out: inout [UInt8]) { out.append(contentsOf: repeatElement(0x20, count: n * 2)) }

    static func write(_ v: JSONValue, indent: Int, into out: inout [UInt8]) {
        switch v {
        case .array(let a) where !a.isEmpty:
            out.append(UInt8(ascii: "["))
            for (i, e) in a.enumerated() {
                out.append(contentsOf: i == 0 ? [0x0A] : [UInt8(ascii: ","), 0x0A])
                pad(indent + 1, into: &out)
                write(e, indent: indent + 1, into: &out)
            }
            out.append(0x0A); pad(indent, into: &out); out.append(UInt8(ascii: "]"))
        case .object(let o) where !o.isEmpty:
            out.append(UInt8(ascii: "{"))
            for (i, k) in o.keys.sorted(by: CanonicalJSON.utf16Less).enumerated() {
                out.append(contentsOf: i == 0 ? [0x0A] : [UInt8(ascii: ","), 0x0A])
                pad(indent + 1, into: &out)
                CanonicalJSON.writeString(k, into: &out)
                out.append(contentsOf: [UInt8(ascii: ":"), 0x20])
                if let e = o[k] { write(e, indent: indent + 1, into: &out) }
            }
            out.append(0x0A); pad(indent, into: &out); out.append(UInt8(ascii: "}"))
        default:
            CanonicalJSON.write(v, into: &out)
        }
    }
}
