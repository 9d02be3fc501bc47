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
        let scanned = try scan()
        out.runs.latestStatus = scanned.latestStatus
        out.runs.currentSuccessStreak = scanned.currentSuccessStreak
        out.runs.longestFailureStreak = scanned.longestFailureStreak
        out.slo = slo(out.runs, durations: scanned.percentiles(total: out.runs.total))
        try groups(into: &out)
        try actions(into: &out)
        out.flaky = scanned.flaky
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

    /// What one ordered pass over the window's runs gives: streaks, flaky templates and the duration
    /// histogram. Memory is bounded by distinct durations and templates (× the flaky window), not by runs.
    struct Scan {
        var latestStatus: String?
        var currentSuccessStreak = 0
        var longestFailureStreak = 0
        var flaky: [FlakyTemplate] = []
        var histogram: [Int: Int] = [:]

        /// Nearest-rank percentiles (the k-th smallest duration, k = ⌈p/100 × n⌉).
        func percentiles(total: Int) -> Percentiles {
            guard total > 0 else { return Percentiles() }
            let ranks = [50, 95, 99].map { max(1, ($0 * total + 99) / 100) }
            var found: [Int?] = [nil, nil, nil]
            var cumulative = 0
            for (duration, n) in histogram.sorted(by: { $0.key < $1.key }) {
                cumulative += n
                for i in 0..<3 where found[i] == nil && cumulative >= ranks[i] { found[i] = duration }
            }
            return Percentiles(p50: found[0], p95: found[1], p99: found[2])
        }
    }

    /// Streaks: a failure streak is a maximal run of consecutive non-ok runs; the current success streak counts
    /// the ok runs after the last non-ok one. Flaky: templates whose last `flakyWindow` ok/failed runs switched
    /// between ok and failed at least twice (denied runs are left out: a denial reflects the approval mode of
    /// that run, not a flaky outcome).
    func scan() throws -> Scan {
        var out = Scan()
        let window = max(2, options.flakyWindow)
        var recent: [String: [Bool]] = [:]  // template → last `window` outcomes (true = ok), oldest first
        var failing = 0
        let (w, args) = clause()
        try query("SELECT status, template, duration_ms FROM runs\(w) ORDER BY seq", args) { s in
            let status = s.string(0)
            let ok = status == "ok"
            out.latestStatus = status
            if ok {
                out.currentSuccessStreak += 1
                failing = 0
            } else {
                out.currentSuccessStreak = 0
                failing += 1
                out.longestFailureStreak = max(out.longestFailureStreak, failing)
            }
            out.histogram[s.int(2), default: 0] += 1
            if !s.isNull(1), ok || status == "failed" {
                let t = s.string(1)
                var list = recent[t, default: []]
                if list.count == window { list.removeFirst() }
                list.append(ok)
                recent[t] = list
            }
        }
        out.flaky = recent.compactMap { t, outcomes in
            let switches = zip(outcomes, outcomes.dropFirst()).filter { $0 != $1 }.count
            return switches >= 2 ? FlakyTemplate(template: t, switches: switches, recent: outcomes.map { $0 ? "ok" : "failed" }) : nil
        }.sorted { ($0.switches, $1.template) > ($1.switches, $0.template) }
        return out
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

    // MARK: - Flaky, failures, daily

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
