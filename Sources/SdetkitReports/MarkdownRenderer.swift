import SdetkitCore

/// GitHub-flavoured Markdown for `$GITHUB_STEP_SUMMARY`. Bounded: every table is capped and every cell cut,
/// so the output stays far below GitHub's 1 MiB limit however large the history.
struct MarkdownRenderer {
    let summary: DashboardSummary
    /// Rows of the failures table.
    var failureRows = 50
    /// Days of the daily table.
    var dailyRows = 14
    static let maxBytes = 1 << 20

    func render() -> [UInt8] {
        var out = Array(document().utf8)
        // The caps above keep a worst-case summary under ~200 KiB; this is a last line of defence.
        if out.count >= Self.maxBytes {
            let note = "\n\n_(summary cut at 1 MiB; see the csv export)_\n"
            var cut = Self.maxBytes - note.utf8.count - 4
            while cut > 0 && out[cut] & 0xC0 == 0x80 { cut -= 1 }  // never split a UTF-8 sequence
            out = Array(out.prefix(cut)) + Array(note.utf8)
        }
        return out
    }

    func document() -> String {
        let s = summary
        let r = s.runs
        var md = "## sdetkit dashboard\n\n"
        md += "**\(r.total) runs**: \(r.ok) ok · \(r.failed) failed · \(r.denied) denied · success rate **\(Fmt.percent(r.successRate))**"
        md += " · latest \(r.latestStatus.map { "**\($0)**" } ?? "—") · success streak \(r.currentSuccessStreak)"
        md += " · longest failure streak \(r.longestFailureStreak)\n\n"
        md += "_\(Fmt.mdCell(s.filter.text, max: 300)) · generated \(s.generatedAt) · history \(s.integrity.verified ? "verified" : "**NOT verified**")"
        md += " (\(s.integrity.entries) entries, head `\(Fmt.shortHash(s.integrity.head))`)_\n\n"
        md += slo()
        md += audit()
        md += failures()
        md += flaky()
        md += groups("Top templates", "Template", s.topTemplates, total: s.templateCount)
        md += actions()
        md += approvals()
        md += daily()
        return md
    }

    func mark(_ met: Bool?) -> String { met.map { $0 ? "✅ met" : "❌ missed" } ?? "— no runs" }

    func slo() -> String {
        let slo = summary.slo
        let b = slo.errorBudget
        var md = "### SLO\n\n| Objective | Target | Actual | Status |\n|---|---|---|---|\n"
        md += "| Success rate | ≥ \(Fmt.percent(slo.targets.successRate, digits: 2)) | \(Fmt.percent(slo.successRate, digits: 2)) | \(mark(slo.successRateMet)) |\n"
        md += "| p95 duration | < \(Fmt.ms(slo.targets.p95DurationMs)) | \(Fmt.ms(slo.durations.p95)) | \(mark(slo.p95Met)) |\n"
        let budget = summary.runs.total == 0 ? "— no runs" : (b.exhausted ? "❌ exhausted" : "✅ within")
        md += "| Error budget (non-ok runs) | \(Fmt.fixed(b.allowed, digits: 2)) allowed | \(b.used) used (\(Fmt.percent(b.usedFraction, digits: 0))) | \(budget) |\n\n"
        md += "Durations: p50 \(Fmt.ms(slo.durations.p50)) · p95 \(Fmt.ms(slo.durations.p95)) · p99 \(Fmt.ms(slo.durations.p99))"
        md += " · incidents (failed runs): \(slo.incidents)\n\n"
        return md
    }

    /// The audit panel: latest score and findings by severity, and the score trend (oldest first).
    func audit() -> String {
        let a = summary.audit
        guard let latest = a.latest else {
            return "### Audit\n\n" + (a.runs == 0 ? "No audit runs in this window.\n\n" : "No audit run in this window recorded a score.\n\n")
        }
        var md = "### Audit\n\n**Score: \(Fmt.fixed(latest.score, digits: 1)) / 10**"
        if let change = a.change {
            md += " (\(change > 0 ? "▲ +" : change < 0 ? "▼ " : "± ")\(Fmt.fixed(change, digits: 1)) since the previous audit)"
        }
        md += " · run \(latest.seq), \(latest.capturedAt)" + (a.profile.map { " · \(Fmt.mdCell($0, max: 40)) profile" } ?? "")
        md += " · \(a.runs) audit run(s) in this window\n\n"
        let c = a.findings ?? AuditSeverityCounts()
        md += "| " + c.rows.map(\.severity).joined(separator: " | ") + " | total |\n|" + String(repeating: "---:|", count: 6) + "\n"
        md += "| " + c.rows.map { String($0.count) }.joined(separator: " | ") + " | \(c.total) |\n\n"
        if a.trend.count > 1 {
            md += "Score trend (oldest first, last \(a.trend.count) scored audit runs): "
            md += a.trend.map { Fmt.fixed($0.score, digits: 1) }.joined(separator: " → ") + "\n\n"
        }
        return md
    }

    func failures() -> String {
        let s = summary
        guard s.failureCount > 0 else { return "### Failures\n\nNo failed or denied runs.\n\n" }
        let shown = s.failures.prefix(failureRows)
        var md = "### Failures\n\n"
        if shown.count < s.failureCount {
            md += "Showing \(shown.count) of \(s.failureCount), newest first; see the csv export (`sdetkit agent dashboard build --format csv`).\n\n"
        }
        md += "| Seq | Captured | Status | Task | Template | Reason | Hash |\n|---:|---|---|---|---|---|---|\n"
        for f in shown {
            md += "| \(f.seq) | \(f.capturedAt) | \(f.status) | \(Fmt.mdCell(f.task)) | \(Fmt.mdCell(f.template ?? "")) "
            md += "| \(Fmt.mdCell(f.reason ?? "")) | `\(Fmt.shortHash(f.hash))` |\n"
        }
        return md + "\n"
    }

    func flaky() -> String {
        guard !summary.flaky.isEmpty else { return "" }
        var md = "### Flaky templates\n\n| Template | Switches | Recent (oldest first) |\n|---|---:|---|\n"
        for f in summary.flaky.prefix(20) {
            md += "| \(Fmt.mdCell(f.template)) | \(f.switches) | \(f.recent.joined(separator: " → ")) |\n"
        }
        return md + "\n"
    }

    func groups(_ title: String, _ column: String, _ rows: [GroupStat], total: Int) -> String {
        guard !rows.isEmpty else { return "" }
        var md = "### \(title)\n\n"
        if rows.count < total { md += "Top \(rows.count) of \(total).\n\n" }
        md += "| \(column) | Runs | ok | failed | denied | Failure rate |\n|---|---:|---:|---:|---:|---:|\n"
        for g in rows {
            md += "| \(Fmt.mdCell(g.name)) | \(g.runs) | \(g.ok) | \(g.failed) | \(g.denied) | \(Fmt.percent(g.failureRate)) |\n"
        }
        return md + "\n"
    }

    func actions() -> String {
        let rows = summary.topActions
        guard !rows.isEmpty else { return "" }
        var md = "### Top actions\n\n"
        if rows.count < summary.actionCount { md += "Top \(rows.count) of \(summary.actionCount).\n\n" }
        md += "| Action | Count | ok | failed | denied | Failure rate |\n|---|---:|---:|---:|---:|---:|\n"
        for a in rows {
            md += "| \(Fmt.mdCell(a.action)) | \(a.count) | \(a.ok) | \(a.failed) | \(a.denied) | \(Fmt.percent(a.failureRate)) |\n"
        }
        return md + "\n"
    }

    func approvals() -> String {
        let a = summary.approvals
        let u = summary.utilisation
        var md = "### Approvals and worker utilisation\n\n"
        md += "Approved \(a.approved) · auto-approved \(a.autoApproved) · denied \(a.denied) · failed after approval \(a.failedAfterApproval)\n\n"
        md += "Runs with ≥ 1 action: \(u.runsWithActions) of \(u.runs) (\(Fmt.percent(u.shareWithActions))) · "
        md += "actions per run \(u.actionsPerRun.map { Fmt.fixed($0, digits: 2) } ?? "—") of a budget of \(u.actionBudget)"
        md += " (\(Fmt.percent(u.budgetUse))) · runs at budget \(u.runsAtBudget)\n\n"
        return md
    }

    func daily() -> String {
        let days = summary.daily
        guard !days.isEmpty else { return "" }
        let shown = days.suffix(dailyRows)
        var md = "### Daily trend\n\n"
        if shown.count < days.count { md += "Last \(shown.count) of \(days.count) days.\n\n" }
        md += "| Date | Runs | ok | failed | denied | Success rate |\n|---|---:|---:|---:|---:|---:|\n"
        for d in shown {
            md += "| \(d.date) | \(d.runs) | \(d.ok) | \(d.failed) | \(d.denied) | \(Fmt.percent(d.successRate)) |\n"
        }
        return md + "\n"
    }
}
