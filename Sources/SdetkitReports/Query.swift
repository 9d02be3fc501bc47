import SdetkitCore
import SdetkitStore

/// Computes a ``DashboardSummary`` from the SQLite index with aggregate queries: nothing reads record files,
/// and memory stays bounded by the number of distinct templates/actions/days, never by the number of runs.
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
        try counts(into: &out)
        try streaks(into: &out)
        out.slo = try slo(out.runs)
        try groups(into: &out)
        try actions(into: &out)
        out.flaky = try flaky()
        try failures(into: &out)
        out.daily = try daily()
        return out
    }

    // MARK: - Runs, utilisation

    func counts(into out: inout DashboardSummary) throws {
        let (w, args) = clause()
        let sql = """
        SELECT COUNT(*), COALESCE(SUM(status='ok'),0), COALESCE(SUM(status='failed'),0), COALESCE(SUM(status='denied'),0),
          COALESCE(SUM(action_count),0), COALESCE(SUM(action_count>0),0), COALESCE(MAX(action_count),0),
          COALESCE(SUM(action_count>=?),0)
        FROM runs\(w)
        """
        let budget = max(1, options.actionBudget)
        try query(sql, [budget] + args) { s in
            out.runs.total = s.int(0)
            out.runs.ok = s.int(1)
            out.runs.failed = s.int(2)
            out.runs.denied = s.int(3)
            var u = Utilisation()
            u.runs = s.int(0)
            u.actions = s.int(4)
            u.runsWithActions = s.int(5)
            u.maxActionsInRun = s.int(6)
            u.runsAtBudget = s.int(7)
            u.actionBudget = budget
            if u.runs > 0 {
                let perRun = Double(u.actions) / Double(u.runs)
                u.shareWithActions = round6(Double(u.runsWithActions) / Double(u.runs))
                u.actionsPerRun = round6(perRun)
                u.budgetUse = round6(perRun / Double(budget))
            }
            out.utilisation = u
        }
        if out.runs.total > 0 { out.runs.successRate = round6(Double(out.runs.ok) / Double(out.runs.total)) }
    }

    func streaks(into out: inout DashboardSummary) throws {
        let (w, args) = clause()
        try query("SELECT status FROM runs\(w) ORDER BY seq DESC LIMIT 1", args) { out.runs.latestStatus = $0.string(0) }
        let (wBad, argsBad) = clause("status != 'ok'")
        let (wAfter, argsAfter) = clause("seq > (SELECT COALESCE(MAX(seq), 0) FROM runs\(wBad))")
        out.runs.currentSuccessStreak = try scalar("SELECT COUNT(*) FROM runs\(wAfter)", argsAfter + argsBad)
        // Gaps and islands: a non-ok run's island is identified by how many ok runs precede it.
        out.runs.longestFailureStreak = try scalar("""
            SELECT COALESCE(MAX(n), 0) FROM (SELECT COUNT(*) AS n FROM (
              SELECT status, SUM(status = 'ok') OVER (ORDER BY seq ROWS UNBOUNDED PRECEDING) AS island FROM runs\(w))
            WHERE status != 'ok' GROUP BY island)
            """, args)
    }

    // MARK: - SLO

    func slo(_ runs: RunCounts) throws -> SLOReport {
        var r = SLOReport()
        r.targets = options.slo
        r.successRate = runs.successRate
        r.successRateMet = runs.successRate.map { $0 >= options.slo.successRate }
        r.durations = try percentiles(total: runs.total)
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

    /// Nearest-rank percentiles (the k-th smallest duration, k = ⌈p/100 × n⌉) from a duration histogram:
    /// one grouped scan, memory bounded by the number of distinct durations.
    func percentiles(total: Int) throws -> Percentiles {
        guard total > 0 else { return Percentiles() }
        let ranks = [50, 95, 99].map { max(1, ($0 * total + 99) / 100) }
        var found: [Int?] = [nil, nil, nil]
        var cumulative = 0
        let (w, args) = clause()
        try query("SELECT duration_ms, COUNT(*) FROM runs\(w) GROUP BY duration_ms ORDER BY duration_ms", args) { s in
            cumulative += s.int(1)
            for i in 0..<3 where found[i] == nil && cumulative >= ranks[i] { found[i] = s.int(0) }
        }
        return Percentiles(p50: found[0], p95: found[1], p99: found[2])
    }

    // MARK: - Templates, families, actions, approvals

    func groups(into out: inout DashboardSummary) throws {
        func grouped(_ column: String, extra: [String]) throws -> [GroupStat] {
            var (w, args) = clause()
            for e in extra { w += (w.isEmpty ? " WHERE " : " AND ") + e }
            var rows: [GroupStat] = []
            try query("""
                SELECT \(column), COUNT(*), SUM(status='ok'), SUM(status='failed'), SUM(status='denied')
                FROM runs\(w) GROUP BY \(column)
                """, args) { s in
                let n = s.int(1)
                rows.append(GroupStat(name: s.string(0), runs: n, ok: s.int(2), failed: s.int(3), denied: s.int(4),
                                      failureRate: round6(Double(s.int(3) + s.int(4)) / Double(max(1, n)))))
            }
            return rows.sorted { ($0.runs, $1.name) > ($1.runs, $0.name) }
        }
        let templates = try grouped("template", extra: ["template IS NOT NULL"])
        out.templateCount = templates.count
        out.topTemplates = Array(templates.prefix(options.topLimit))
        let families = try grouped("family", extra: [])
        out.familyCount = families.count
        out.families = Array(families.prefix(options.topLimit))
    }

    func actions(into out: inout DashboardSummary) throws {
        let (w, args) = clause()
        let from = w.isEmpty ? "run_actions" : "run_actions JOIN runs ON runs.seq = run_actions.seq"
        var rows: [ActionStat] = []
        try query("""
            SELECT action, COUNT(*), SUM(ok), SUM(ok=0 AND denied=0), SUM(denied) FROM \(from)\(w) GROUP BY action
            """, args) { s in
            let n = s.int(1)
            rows.append(ActionStat(action: s.string(0), count: n, ok: s.int(2), failed: s.int(3), denied: s.int(4),
                                   failureRate: round6(Double(n - s.int(2)) / Double(max(1, n)))))
        }
        rows.sort { ($0.count, $1.action) > ($1.count, $0.action) }
        out.actionCount = rows.count
        out.topActions = Array(rows.prefix(options.topLimit))
        try query("""
            SELECT COALESCE(SUM(approval='granted'),0), COALESCE(SUM(approval='not_required'),0),
              COALESCE(SUM(approval='denied'),0), COALESCE(SUM(approval='granted' AND ok=0 AND denied=0),0) FROM \(from)\(w)
            """, args) { s in
            out.approvals = Approvals(approved: s.int(0), autoApproved: s.int(1), denied: s.int(2), failedAfterApproval: s.int(3))
        }
    }

    // MARK: - Flaky, failures, daily

    /// Templates whose last `flakyWindow` ok/failed runs switched between ok and failed at least twice.
    /// Denied runs are left out: a denial reflects the approval mode of that run, not a flaky outcome.
    func flaky() throws -> [FlakyTemplate] {
        let (w, args) = clause("template IS NOT NULL", "status IN ('ok','failed')")
        var byTemplate: [(String, [String])] = []
        try query("""
            SELECT template, status FROM (
              SELECT template, status, seq, ROW_NUMBER() OVER (PARTITION BY template ORDER BY seq DESC) AS rn FROM runs\(w))
            WHERE rn <= ? ORDER BY template, seq
            """, args + [max(2, options.flakyWindow)]) { s in
            let t = s.string(0)
            if byTemplate.last?.0 == t { byTemplate[byTemplate.count - 1].1.append(s.string(1)) } else { byTemplate.append((t, [s.string(1)])) }
        }
        return byTemplate.compactMap { t, statuses in
            let switches = zip(statuses, statuses.dropFirst()).filter { $0 != $1 }.count
            return switches >= 2 ? FlakyTemplate(template: t, switches: switches, recent: statuses) : nil
        }.sorted { ($0.switches, $1.template) > ($1.switches, $0.template) }
    }

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

    func daily() throws -> [DailyPoint] {
        let (w, args) = clause()
        var out: [DailyPoint] = []
        try query("""
            SELECT day, COUNT(*), SUM(status='ok'), SUM(status='failed'), SUM(status='denied') FROM runs\(w)
            GROUP BY day ORDER BY day
            """, args) { s in
            let n = s.int(1)
            out.append(DailyPoint(date: s.string(0), runs: n, ok: s.int(2), failed: s.int(3), denied: s.int(4),
                                  successRate: round6(Double(s.int(2)) / Double(max(1, n)))))
        }
        return out
    }
}
