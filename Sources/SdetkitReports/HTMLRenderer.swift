import SdetkitCore

/// One self-contained HTML5 page: inline CSS and script, inline SVG, no external requests of any kind
/// (a Content-Security-Policy forbids them), readable with scripts disabled, light and dark colour schemes.
/// Every string that comes from the history goes through ``Fmt/html(_:)``.
struct HTMLRenderer {
    let summary: DashboardSummary
    /// Rows of the failed-runs table (the newest); the csv export has every run.
    var failureRows = 500

    func h(_ s: String) -> String { Fmt.html(s) }

    func render() -> [UInt8] {
        let s = summary
        var page = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="color-scheme" content="light dark">
        <meta http-equiv="Content-Security-Policy" content="\(HTMLAssets.contentSecurityPolicy)">
        <title>sdetkit dashboard · \(s.runs.total) runs · \(Fmt.percent(s.runs.successRate)) ok</title>
        <link rel="icon" href="data:,">
        <style>
        \(HTMLAssets.css)
        </style>
        </head>
        <body>
        <header>
        <h1>sdetkit dashboard</h1>
        <p class="meta">\(h(s.filter.text)) · generated \(h(s.generatedAt)) · <code>\(DashboardSummary.schema)</code></p>
        </header>
        <main>

        """
        page += cards() + slo() + trend() + audit()
        page += "<div class=\"grid2\">\n" + flaky() + templates() + "</div>\n"
        page += failures()
        page += "<div class=\"grid2\">\n" + actions() + families() + "</div>\n"
        page += "<div class=\"grid2\">\n" + approvals() + integrity() + "</div>\n"
        page += """
        </main>
        <footer>
        <p>Every run as a table: <code>sdetkit agent dashboard build --format csv</code> (the csv export, one row per run); \
        every metric and failure: <code>--format json</code>. Metric definitions: docs/dashboard.md.</p>
        </footer>
        <script>\(HTMLAssets.script)</script>
        </body>
        </html>

        """
        return Array(page.utf8)
    }

    // MARK: - Sections

    func card(_ label: String, _ value: String, _ sub: String, tone: String = "") -> String {
        "<div class=\"card\"><div class=\"label\">\(label)</div><div class=\"value\(tone.isEmpty ? "" : " " + tone)\">\(value)</div>"
            + "<div class=\"sub\">\(sub)</div></div>\n"
    }

    func tone(_ met: Bool?) -> String { met.map { $0 ? "good" : "bad" } ?? "" }

    func cards() -> String {
        let s = summary
        let r = s.runs
        var out = "<section class=\"cards\" aria-label=\"Headline numbers\" style=\"background:none;border:0;padding:0\">\n"
        out += card("Runs", Fmt.count(r.total), "\(Fmt.count(r.ok)) ok · \(Fmt.count(r.failed)) failed · \(Fmt.count(r.denied)) denied")
        out += card("Success rate", Fmt.percent(r.successRate), "target ≥ \(Fmt.percent(s.slo.targets.successRate, digits: 2))",
                    tone: tone(s.slo.successRateMet))
        let latest = r.latestStatus.map { "<span class=\"pill \(h($0))\">\(h($0))</span>" } ?? "—"
        out += card("Latest run", latest, "success streak \(Fmt.count(r.currentSuccessStreak))")
        out += card("Longest failure streak", Fmt.count(r.longestFailureStreak), "consecutive non-ok runs",
                    tone: r.longestFailureStreak > 0 ? "bad" : "")
        out += card("p95 duration", Fmt.ms(s.slo.durations.p95), "target &lt; \(Fmt.ms(s.slo.targets.p95DurationMs))", tone: tone(s.slo.p95Met))
        out += card("Incidents", Fmt.count(s.slo.incidents), "failed runs", tone: s.slo.incidents > 0 ? "bad" : "good")
        let b = s.slo.errorBudget
        let budgetValue = r.total == 0 ? "—" : (b.exhausted ? "exhausted" : Fmt.percent(b.usedFraction, digits: 0) + " used")
        out += card("Error budget", budgetValue, "\(b.used) non-ok of \(Fmt.fixed(b.allowed, digits: 2)) allowed (\(Fmt.percent(b.usedFraction, digits: 0)))",
                    tone: r.total == 0 ? "" : (b.exhausted ? "bad" : "good"))
        out += card("History", s.integrity.verified ? "verified" : "NOT verified",
                    "\(Fmt.count(s.integrity.entries)) entries · head <span class=\"mono\">\(h(Fmt.shortHash(s.integrity.head)))</span>",
                    tone: s.integrity.verified ? "good" : "bad")
        return out + "</section>\n"
    }

    func slo() -> String {
        let slo = summary.slo
        let b = slo.errorBudget
        func status(_ met: Bool?) -> String {
            met.map { $0 ? "<span class=\"pill ok\">met</span>" : "<span class=\"pill failed\">missed</span>" } ?? "—"
        }
        var out = "<section id=\"slo\"><h2>Service-level objectives</h2>\n<table>\n"
        out += "<thead><tr><th>Objective</th><th class=\"num\">Target</th><th class=\"num\">Actual</th><th>Status</th></tr></thead>\n<tbody>\n"
        out += "<tr><td>Success rate (ok runs / runs)</td><td class=\"num\">≥ \(Fmt.percent(slo.targets.successRate, digits: 2))</td>"
        out += "<td class=\"num\">\(Fmt.percent(slo.successRate, digits: 2))</td><td>\(status(slo.successRateMet))</td></tr>\n"
        out += "<tr><td>p95 run duration</td><td class=\"num\">&lt; \(Fmt.ms(slo.targets.p95DurationMs))</td>"
        out += "<td class=\"num\">\(Fmt.ms(slo.durations.p95))</td><td>\(status(slo.p95Met))</td></tr>\n"
        out += "<tr><td>Error budget (non-ok runs)</td><td class=\"num\">\(Fmt.fixed(b.allowed, digits: 2)) allowed</td>"
        out += "<td class=\"num\">\(b.used) used</td><td>\(summary.runs.total == 0 ? "—" : status(!b.exhausted))</td></tr>\n"
        out += "</tbody></table>\n"
        let used = b.usedFraction.map { min(1, max(0, $0)) } ?? (b.used > 0 ? 1 : 0)
        out += "<div class=\"bar\(b.exhausted ? " over" : "")\" title=\"error budget used\"><span style=\"width:\(Fmt.fixed(used * 100, digits: 1))%\"></span></div>\n"
        out += "<p class=\"note\">Durations (nearest rank): p50 \(Fmt.ms(slo.durations.p50)) · p95 \(Fmt.ms(slo.durations.p95)) · "
        out += "p99 \(Fmt.ms(slo.durations.p99)). Incidents (failed runs): \(slo.incidents). Remaining budget: "
        out += "\(Fmt.fixed(b.remaining, digits: 2)) runs.</p>\n</section>\n"
        return out
    }

    func trend() -> String {
        let days = summary.daily
        var out = "<section id=\"trend\"><h2>Daily trend</h2>\n"
        if days.count > DailyChart.maxDays {
            out += "<p class=\"note\">Last \(DailyChart.maxDays) of \(days.count) days.</p>\n"
        }
        out += DailyChart(days: days).render()
        out += "\n<div class=\"legend\"><span><i style=\"background:var(--ok)\"></i>ok</span><span><i style=\"background:var(--bad)\"></i>failed</span>"
        out += "<span><i style=\"background:var(--warn)\"></i>denied</span><span><i style=\"background:var(--accent)\"></i>success rate</span></div>\n"
        return out + "</section>\n"
    }

    /// The audit panel: latest score, findings by severity of that run, and the score sparkline.
    func audit() -> String {
        let a = summary.audit
        var out = "<section id=\"audit\"><h2>Audit</h2>\n"
        guard let latest = a.latest else {
            let why = a.runs == 0 ? "No audit runs in this window (<code>sdetkit agent audit</code> records one)."
                : "No audit run in this window recorded a score."
            return out + "<p class=\"note\">\(why)</p>\n</section>\n"
        }
        let scoreTone = latest.score >= 8 ? "good" : latest.score < 5 ? "bad" : ""
        out += "<div class=\"grid2\">\n<div>\n<dl class=\"kv\">\n"
        out += "<dt>Latest score</dt><dd class=\"\(scoreTone)\"><strong>\(Fmt.fixed(latest.score, digits: 1)) / 10</strong>"
        if let change = a.change {
            out += " <span class=\"note\">(\(change > 0 ? "▲ +" : change < 0 ? "▼ " : "± ")\(Fmt.fixed(change, digits: 1)) since the previous audit)</span>"
        }
        out += "</dd>\n<dt>Run</dt><dd>\(latest.seq) · <span class=\"mono\">\(h(latest.capturedAt))</span> · "
        out += "<span class=\"mono\" title=\"\(h(latest.hash))\">\(h(Fmt.shortHash(latest.hash)))</span></dd>\n"
        if let p = a.profile { out += "<dt>Profile</dt><dd>\(h(Fmt.oneLine(p, max: 40)))</dd>\n" }
        out += "<dt>Audit runs</dt><dd>\(Fmt.count(a.runs)) in this window</dd>\n</dl>\n"
        let c = a.findings ?? AuditSeverityCounts()
        out += "<table><thead><tr>" + c.rows.map { "<th class=\"num\">\($0.severity)</th>" }.joined() + "<th class=\"num\">total</th></tr></thead>\n<tbody><tr>"
        out += c.rows.map { "<td class=\"num\">\(Fmt.count($0.count))</td>" }.joined() + "<td class=\"num\">\(Fmt.count(c.total))</td></tr></tbody></table>\n"
        out += "</div>\n<div>\n" + ScoreSparkline(points: a.trend).render() + "\n"
        out += "<p class=\"note\">Score of the last \(a.trend.count) scored audit run(s), oldest first (at most \(AuditPanel.trendLimit)).</p>\n"
        return out + "</div>\n</div>\n</section>\n"
    }

    func failures() -> String {
        let s = summary
        var out = "<section id=\"failed-runs\"><h2>Failed runs</h2>\n"
        guard s.failureCount > 0 else { return out + "<p class=\"note\">No failed or denied runs.</p>\n</section>\n" }
        let shown = s.failures.prefix(failureRows)
        out += "<p class=\"note\">Showing \(shown.count) of \(s.failureCount) non-ok runs, newest first"
        out += shown.count < s.failureCount ? "; every run is in the csv export (<code>--format csv</code>).</p>\n" : ".</p>\n"
        out += "<div class=\"tools\"><input id=\"failures-filter\" type=\"search\" placeholder=\"Filter failed runs…\" aria-label=\"Filter failed runs\" hidden>"
        out += "<span id=\"failures-count\" class=\"note\"></span></div>\n"
        out += "<table id=\"failures\">\n<thead><tr><th class=\"num\" data-type=\"num\" data-key=\"seq\">Seq</th><th data-key=\"captured\">Captured</th>"
        out += "<th data-key=\"status\">Status</th><th data-key=\"task\">Task</th><th data-key=\"template\">Template</th><th data-key=\"reason\">Reason</th>"
        out += "<th class=\"num\" data-type=\"num\" data-key=\"duration\">Duration</th><th data-key=\"hash\">Hash</th></tr></thead>\n<tbody>\n"
        for f in shown {
            out += "<tr><td class=\"num\" data-v=\"\(f.seq)\">\(f.seq)</td><td class=\"mono when\">\(h(f.capturedAt))</td>"
            out += "<td><span class=\"pill \(h(f.status))\">\(h(f.status))</span></td>"
            out += "<td class=\"task\" title=\"\(h(Fmt.oneLine(f.task, max: 1000)))\">\(h(Fmt.oneLine(f.task, max: 160)))</td>"
            out += "<td>\(h(Fmt.oneLine(f.template ?? "", max: 80)))</td>"
            out += "<td title=\"\(h(Fmt.oneLine(f.reason ?? "", max: 1000)))\">\(h(Fmt.oneLine(f.reason ?? "", max: 200)))</td>"
            out += "<td class=\"num\" data-v=\"\(f.durationMs)\">\(Fmt.ms(f.durationMs))</td>"
            out += "<td class=\"mono\" title=\"\(h(f.hash))\">\(h(Fmt.shortHash(f.hash)))</td></tr>\n"
        }
        return out + "</tbody>\n</table>\n</section>\n"
    }

    func flaky() -> String {
        var out = "<section id=\"flaky\"><h2>Flaky templates</h2>\n"
        guard !summary.flaky.isEmpty else {
            return out + "<p class=\"note\">No template switched between ok and failed twice in its last runs.</p>\n</section>\n"
        }
        out += "<table><thead><tr><th>Template</th><th class=\"num\">Switches</th><th>Recent runs (oldest first)</th></tr></thead><tbody>\n"
        for f in summary.flaky.prefix(50) {
            let dots = f.recent.map { "<span class=\"dot \(h($0))\" title=\"\(h($0))\"></span>" }.joined()
            out += "<tr><td>\(h(Fmt.oneLine(f.template, max: 80)))</td><td class=\"num\">\(f.switches)</td><td>\(dots)</td></tr>\n"
        }
        return out + "</tbody></table>\n</section>\n"
    }

    func groupTable(id: String, title: String, column: String, rows: [GroupStat], total: Int, empty: String) -> String {
        var out = "<section id=\"\(id)\"><h2>\(title)</h2>\n"
        guard !rows.isEmpty else { return out + "<p class=\"note\">\(empty)</p>\n</section>\n" }
        if rows.count < total { out += "<p class=\"note\">Top \(rows.count) of \(total).</p>\n" }
        out += "<table><thead><tr><th>\(column)</th><th class=\"num\">Runs</th><th class=\"num\">ok</th><th class=\"num\">failed</th>"
        out += "<th class=\"num\">denied</th><th class=\"num\">Failure rate</th></tr></thead><tbody>\n"
        for g in rows {
            out += "<tr><td>\(h(Fmt.oneLine(g.name, max: 80)))</td><td class=\"num\">\(Fmt.count(g.runs))</td><td class=\"num\">\(Fmt.count(g.ok))</td>"
            out += "<td class=\"num\">\(Fmt.count(g.failed))</td><td class=\"num\">\(Fmt.count(g.denied))</td>"
            out += "<td class=\"num\">\(Fmt.percent(g.failureRate))</td></tr>\n"
        }
        return out + "</tbody></table>\n</section>\n"
    }

    func templates() -> String {
        groupTable(id: "templates", title: "Top templates", column: "Template", rows: summary.topTemplates,
                   total: summary.templateCount, empty: "No template runs in this window.")
    }

    func families() -> String {
        groupTable(id: "families", title: "Task families", column: "Family", rows: summary.families,
                   total: summary.familyCount, empty: "No runs in this window.")
    }

    func actions() -> String {
        var out = "<section id=\"actions\"><h2>Top actions</h2>\n"
        let rows = summary.topActions
        guard !rows.isEmpty else { return out + "<p class=\"note\">No actions executed in this window.</p>\n</section>\n" }
        if rows.count < summary.actionCount { out += "<p class=\"note\">Top \(rows.count) of \(summary.actionCount).</p>\n" }
        out += "<table><thead><tr><th>Action</th><th class=\"num\">Count</th><th class=\"num\">ok</th><th class=\"num\">failed</th>"
        out += "<th class=\"num\">denied</th><th class=\"num\">Failure rate</th></tr></thead><tbody>\n"
        for a in rows {
            out += "<tr><td class=\"mono\">\(h(Fmt.oneLine(a.action, max: 80)))</td><td class=\"num\">\(Fmt.count(a.count))</td>"
            out += "<td class=\"num\">\(Fmt.count(a.ok))</td><td class=\"num\">\(Fmt.count(a.failed))</td>"
            out += "<td class=\"num\">\(Fmt.count(a.denied))</td><td class=\"num\">\(Fmt.percent(a.failureRate))</td></tr>\n"
        }
        return out + "</tbody></table>\n</section>\n"
    }

    func approvals() -> String {
        let a = summary.approvals
        let u = summary.utilisation
        var out = "<section id=\"approvals\"><h2>Approvals and worker utilisation</h2>\n<dl class=\"kv\">\n"
        out += "<dt>Approved (granted)</dt><dd>\(Fmt.count(a.approved))</dd>\n"
        out += "<dt>Auto-approved (not required)</dt><dd>\(Fmt.count(a.autoApproved))</dd>\n"
        out += "<dt>Denied approval</dt><dd>\(Fmt.count(a.denied))</dd>\n"
        out += "<dt>Failed after approval</dt><dd>\(Fmt.count(a.failedAfterApproval))</dd>\n"
        out += "<dt>Runs with ≥ 1 action</dt><dd>\(Fmt.count(u.runsWithActions)) of \(Fmt.count(u.runs)) (\(Fmt.percent(u.shareWithActions)))</dd>\n"
        out += "<dt>Actions per run</dt><dd>\(u.actionsPerRun.map { Fmt.fixed($0, digits: 2) } ?? "—") of a budget of \(u.actionBudget) "
        out += "(\(Fmt.percent(u.budgetUse))); most in one run: \(u.maxActionsInRun); runs at budget: \(Fmt.count(u.runsAtBudget))</dd>\n"
        return out + "</dl>\n</section>\n"
    }

    func integrity() -> String {
        let i = summary.integrity
        var out = "<section id=\"integrity\"><h2>History integrity</h2>\n<dl class=\"kv\">\n"
        out += "<dt>Verified</dt><dd>\(i.verified ? "<span class=\"pill ok\">yes</span>" : "<span class=\"pill failed\">no</span>")</dd>\n"
        out += "<dt>Ledger entries</dt><dd>\(Fmt.count(i.entries))</dd>\n"
        out += "<dt>Head</dt><dd class=\"mono\" style=\"overflow-wrap:anywhere\">\(h(i.head))</dd>\n"
        if let p = i.problem { out += "<dt>Problem</dt><dd class=\"bad\">\(h(p))</dd>\n" }
        out += "</dl>\n<p class=\"note\">Checked incrementally as the index catches up; <code>sdetkit agent history verify</code> re-checks everything.</p>\n"
        return out + "</section>\n"
    }
}
