import SdetkitCore
import SdetkitStore

/// Computes a ``DashboardSummary`` from the SQLite index — two grouped SQL aggregates (runs by family/template,
/// actions by action/approval), one ordered pass for order-dependent metrics (``scan()``), and a LIMITed failures
/// query. Nothing reads record files; memory is bounded by distinct templates/actions/days/durations, never by runs.
struct SummaryQuery {
    let db: SQLiteDatabase
    let options: DashboardOptions
    /// The filter as SQL over `runs` (unqualified columns), plus the snapshot bound `seq <= through`.
    var through = Int.max

    init(db: SQLiteDatabase, options: DashboardOptions) {
        self.db = db
        self.options = options
    }

    /// ` WHERE <filter> AND <extra…>` with its arguments (the filter's columns do not clash with `run_actions`).
    func clause(_ extra: String...) -> (String, [(any Sendable)?]) {
        let (base, args) = options.filter.runFilter.sql()
        var parts = base.isEmpty ? [] : [String(base.dropFirst(" WHERE ".count))]
        var all = args
        if through != Int.max { parts.append("runs.seq <= ?"); all.append(through) }
        parts += extra
        return (parts.isEmpty ? "" : " WHERE " + parts.joined(separator: " AND "), all)
    }

    func query(_ sql: String, _ args: [(any Sendable)?], _ row: (Statement) throws -> Void) throws {
        let s = try db.prepare(sql)
        s.bindAll(args)
        while try s.step() { try row(s) }
    }

    func scalar(_ sql: String, _ args: [(any Sendable)?]) throws -> Int {
        var v = 0
        try query(sql, args) { v = $0.int(0) }
        return v
    }

    mutating func run(generatedAt: String) throws -> DashboardSummary {
        var out = DashboardSummary(generatedAt: generatedAt, filter: options.filter)
        through = try scalar("SELECT COALESCE(MAX(seq), 0) FROM runs", [])
        out.throughSeq = through
        try groups(into: &out)
        try actions(into: &out)
        let scanned = try scan()
        out.runs.latestStatus = scanned.latestStatus
        out.runs.currentSuccessStreak = scanned.currentSuccessStreak
        out.runs.longestFailureStreak = scanned.longestFailureStreak
        out.slo = slo(out.runs, durations: scanned.percentiles(total: out.runs.total))
        out.flaky = scanned.flaky
        out.daily = scanned.daily
        try failures(into: &out)
        return out
    }

    // MARK: - Runs, templates, families, utilisation

    /// One SQL aggregate grouped by (family, template) gives the run counts, utilisation, top templates and
    /// task families: a template run's family is always `template:<id>`, so the groups are about as many as the
    /// families. With the index `runs(family, template, status, action_count)` this is a covering-index scan.
    func groups(into out: inout DashboardSummary) throws {
        let budget = max(1, options.actionBudget)
        let (w, args) = clause()
        typealias Counts = (runs: Int, ok: Int, failed: Int, denied: Int)
        var families: [String: Counts] = [:]
        var templates: [String: Counts] = [:]
        var u = Utilisation()
        u.actionBudget = budget
        try query("""
            SELECT family, template, COUNT(*), SUM(status='ok'), SUM(status='failed'), SUM(status='denied'),
              SUM(action_count), SUM(action_count>0), MAX(action_count), SUM(action_count>=?)
            FROM runs\(w) GROUP BY family, template
            """, [budget] + args) { s in
            let c: Counts = (s.int(2), s.int(3), s.int(4), s.int(5))
            func add(_ into: inout Counts) { into.runs += c.runs; into.ok += c.ok; into.failed += c.failed; into.denied += c.denied }
            add(&families[s.string(0), default: (0, 0, 0, 0)])
            if !s.isNull(1) { add(&templates[s.string(1), default: (0, 0, 0, 0)]) }
            out.runs.total += c.runs
            out.runs.ok += c.ok
            out.runs.failed += c.failed
            out.runs.denied += c.denied
            u.actions += s.int(6)
            u.runsWithActions += s.int(7)
            u.maxActionsInRun = max(u.maxActionsInRun, s.int(8))
            u.runsAtBudget += s.int(9)
        }
        func stats(_ groups: [String: Counts]) -> [GroupStat] {
            groups.map { name, c in
                GroupStat(name: name, runs: c.runs, ok: c.ok, failed: c.failed, denied: c.denied,
                          failureRate: round6(Double(c.failed + c.denied) / Double(max(1, c.runs))))
            }.sorted { ($0.runs, $1.name) > ($1.runs, $0.name) }
        }
        out.templateCount = templates.count
        out.topTemplates = Array(stats(templates).prefix(options.topLimit))
        out.familyCount = families.count
        out.families = Array(stats(families).prefix(options.topLimit))
        u.runs = out.runs.total
        if u.runs > 0 {
            let perRun = Double(u.actions) / Double(u.runs)
            u.shareWithActions = round6(Double(u.runsWithActions) / Double(u.runs))
            u.actionsPerRun = round6(perRun)
            u.budgetUse = round6(perRun / Double(budget))
            out.runs.successRate = round6(Double(out.runs.ok) / Double(out.runs.total))
        }
        out.utilisation = u
    }

    // MARK: - SLO

    func slo(_ runs: RunCounts, durations: Percentiles) -> SLOReport {
        var r = SLOReport()
        r.targets = options.slo
        r.successRate = runs.successRate
        r.successRateMet = runs.successRate.map { $0 >= options.slo.successRate }
        r.durations = durations
        r.p95Met = r.durations.p95.map { $0 < options.slo.p95DurationMs }
        r.incidents = runs.failed
        var b = ErrorBudget()
        b.allowed = round6(max(0, 1 - options.slo.successRate) * Double(runs.total))
        b.used = runs.notOK
        b.remaining = round6(b.allowed - Double(b.used))
        b.usedFraction = b.allowed > 0 ? round6(Double(b.used) / b.allowed) : nil
        r.errorBudget = b
        return r
    }

    // MARK: - Actions, approvals

    /// One SQL aggregate over `run_actions` grouped by (action, approval): top actions and approvals.
    /// With the index `run_actions(action, approval, ok, denied)` this is a covering-index scan.
    func actions(into out: inout DashboardSummary) throws {
        let (w, args) = clause()
        let from = w.isEmpty ? "run_actions" : "run_actions JOIN runs ON runs.seq = run_actions.seq"
        var byAction: [String: (n: Int, ok: Int, failed: Int, denied: Int)] = [:]
        var approvals = Approvals(approved: 0, autoApproved: 0, denied: 0, failedAfterApproval: 0)
        try query("""
            SELECT action, approval, COUNT(*), SUM(ok), SUM(ok=0 AND denied=0), SUM(denied) FROM \(from)\(w)
            GROUP BY action, approval
            """, args) { s in
            let n = s.int(2), ok = s.int(3), failed = s.int(4), denied = s.int(5)
            var a = byAction[s.string(0), default: (0, 0, 0, 0)]
            a.n += n; a.ok += ok; a.failed += failed; a.denied += denied
            byAction[s.string(0)] = a
            switch s.string(1) {
            case "granted":
                approvals.approved += n
                approvals.failedAfterApproval += failed
            case "not_required": approvals.autoApproved += n
            case "denied": approvals.denied += n
            default: break
            }
        }
        var rows = byAction.map { name, a in
            ActionStat(action: name, count: a.n, ok: a.ok, failed: a.failed, denied: a.denied,
                       failureRate: round6(Double(a.n - a.ok) / Double(max(1, a.n))))
        }
        rows.sort { ($0.count, $1.action) > ($1.count, $0.action) }
        out.actionCount = rows.count
        out.topActions = Array(rows.prefix(options.topLimit))
        out.approvals = approvals
    }

    // MARK: - Failures

    static let failureColumns = "seq, captured_at, hash, status, task, template, family, reason, duration_ms"

    static func failureRow(_ s: Statement) -> FailureRow {
        FailureRow(seq: s.int(0), capturedAt: s.string(1), hash: s.string(2), status: s.string(3), task: s.string(4),
                   template: s.optionalString(5), family: s.string(6), reason: s.optionalString(7), durationMs: s.int(8))
    }

    func failures(into out: inout DashboardSummary) throws {
        out.failureCount = out.runs.notOK
        var rows: [FailureRow] = []
        try forEachFailure(limit: options.failureLimit) { rows.append($0) }
        out.failures = rows
    }

    /// Every non-ok run of the window, newest first, streamed.
    func forEachFailure(limit: Int?, _ body: (FailureRow) throws -> Void) throws {
        let (w, args) = clause("status != 'ok'")
        let lim = limit.map { " LIMIT \(max(0, $0))" } ?? ""
        try query("SELECT \(Self.failureColumns) FROM runs\(w) ORDER BY seq DESC\(lim)", args) { try body(Self.failureRow($0)) }
    }
}
