import SdetkitCore

/// `--csv-table summary`: the scalar metrics as `key,value` rows (RFC 4180, CRLF). Text values are
/// formula-neutralised like the runs export; numbers are written as they are (so `-4.87` stays a number).
enum CSVSummary {
    enum Value {
        case text(String?)
        case number(Double?)
        case int(Int?)
        case bool(Bool?)
    }

    static func rows(_ s: DashboardSummary) -> [(String, Value)] {
        let r = s.runs, slo = s.slo, b = slo.errorBudget, u = s.utilisation, a = s.approvals
        return [
            ("schema", .text(DashboardSummary.schema)),
            ("generated_at", .text(s.generatedAt)),
            ("filters.since", .text(s.filter.sinceEpoch.map(RunClock.rfc3339(epochSeconds:)))),
            ("filters.until", .text(s.filter.untilEpoch.map(RunClock.rfc3339(epochSeconds:)))),
            ("filters.template", .text(s.filter.template)),
            ("filters.status", .text(s.filter.status)),
            ("runs.total", .int(r.total)), ("runs.ok", .int(r.ok)), ("runs.failed", .int(r.failed)), ("runs.denied", .int(r.denied)),
            ("runs.success_rate", .number(r.successRate)), ("runs.latest_status", .text(r.latestStatus)),
            ("runs.current_success_streak", .int(r.currentSuccessStreak)),
            ("runs.longest_failure_streak", .int(r.longestFailureStreak)),
            ("slo.targets.success_rate", .number(slo.targets.successRate)),
            ("slo.targets.p95_duration_ms", .int(slo.targets.p95DurationMs)),
            ("slo.success_rate", .number(slo.successRate)), ("slo.success_rate_met", .bool(slo.successRateMet)),
            ("slo.duration_ms.p50", .int(slo.durations.p50)), ("slo.duration_ms.p95", .int(slo.durations.p95)),
            ("slo.duration_ms.p99", .int(slo.durations.p99)), ("slo.p95_met", .bool(slo.p95Met)),
            ("slo.incidents", .int(slo.incidents)),
            ("slo.error_budget.allowed", .number(b.allowed)), ("slo.error_budget.used", .int(b.used)),
            ("slo.error_budget.remaining", .number(b.remaining)), ("slo.error_budget.used_fraction", .number(b.usedFraction)),
            ("slo.error_budget.exhausted", .bool(b.exhausted)),
            ("utilisation.runs_with_actions", .int(u.runsWithActions)), ("utilisation.share_with_actions", .number(u.shareWithActions)),
            ("utilisation.actions", .int(u.actions)), ("utilisation.actions_per_run", .number(u.actionsPerRun)),
            ("utilisation.max_actions_in_run", .int(u.maxActionsInRun)), ("utilisation.action_budget", .int(u.actionBudget)),
            ("utilisation.budget_use", .number(u.budgetUse)), ("utilisation.runs_at_budget", .int(u.runsAtBudget)),
            ("approvals.approved", .int(a.approved)), ("approvals.auto_approved", .int(a.autoApproved)),
            ("approvals.denied", .int(a.denied)), ("approvals.failed_after_approval", .int(a.failedAfterApproval)),
            ("distinct.templates", .int(s.templateCount)), ("distinct.actions", .int(s.actionCount)),
            ("distinct.families", .int(s.familyCount)),
            ("flaky.templates", .int(s.flaky.count)), ("failures_total", .int(s.failureCount)), ("daily.days", .int(s.daily.count)),
            ("integrity.verified", .bool(s.integrity.verified)), ("integrity.entries", .int(s.integrity.entries)),
            ("integrity.head", .text(s.integrity.head)), ("integrity.problem", .text(s.integrity.problem)),
            ("audit.runs", .int(s.audit.runs)), ("audit.latest.seq", .int(s.audit.latest?.seq)),
            ("audit.latest.score", .number(s.audit.latest?.score)), ("audit.latest.profile", .text(s.audit.profile)),
        ] + AuditSeverityCounts().rows.map { row in
            ("audit.latest.findings.\(row.severity)", .int(s.audit.findings?.rows.first { $0.severity == row.severity }?.count))
        } + [
            ("audit.latest.findings.total", .int(s.audit.findings?.total)), ("audit.change", .number(s.audit.change)),
            ("audit.trend.points", .int(s.audit.trend.count)),
        ]
    }

    static func render(_ s: DashboardSummary) -> [UInt8] {
        var out: [UInt8] = []
        CSV.appendRow(["key", "value"], into: &out)
        for (key, value) in rows(s) {
            CSV.appendField(key, into: &out)
            out.append(UInt8(ascii: ","))
            switch value {
            case .text(let t): CSV.appendField(t ?? "", into: &out)
            case .number(let n): CSV.appendField(n.map(CanonicalJSON.formatNumber) ?? "", neutralising: false, into: &out)
            case .int(let n): CSV.appendField(n.map { String($0) } ?? "", neutralising: false, into: &out)
            case .bool(let v): CSV.appendField(v.map { $0 ? "true" : "false" } ?? "", into: &out)
            }
            out.append(contentsOf: [0x0D, 0x0A])
        }
        return out
    }
}
