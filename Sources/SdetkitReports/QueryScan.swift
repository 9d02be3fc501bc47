import SdetkitCore
import SdetkitStore

extension SummaryQuery {
    typealias Counts = (runs: Int, ok: Int, failed: Int, denied: Int)

    /// Nearest-rank percentiles (the k-th smallest duration, k = ⌈p/100 × n⌉) of a duration histogram.
    static func percentiles(_ histogram: [Int: Int], total: Int) -> Percentiles {
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

    static func stats(_ groups: [String: Counts]) -> [GroupStat] {
        groups.map { name, c in
            GroupStat(name: name, runs: c.runs, ok: c.ok, failed: c.failed, denied: c.denied,
                      failureRate: round6(Double(c.failed + c.denied) / Double(max(1, c.runs))))
        }.sorted { ($0.runs, $1.name) > ($1.runs, $0.name) }
    }

    static let statusNames = ["ok", "failed", "denied"]

    /// One pass over the window's runs in sequence order, reading only small columns (status, template, family,
    /// duration, action count, time). Gives the run counts, utilisation, templates and families, the streaks
    /// (a failure streak is a maximal run of consecutive non-ok runs, failed or denied; the current success streak
    /// counts the ok runs after the last non-ok one), flaky templates (whose last `flakyWindow` ok/failed runs
    /// switched between ok and failed at least twice; denied runs are left out, since a denial reflects the
    /// approval mode of that run, not a flaky outcome), the duration histogram and the daily trend (UTC days).
    func scan(into out: inout DashboardSummary) throws {
        let window = max(2, options.flakyWindow)
        let budget = max(1, options.actionBudget)
        var recent: [String: [Bool]] = [:]  // template → last `window` outcomes (true = ok), oldest first
        var days: [Int64: Counts] = [:]
        var templates: [String: Counts] = [:]
        var families: [String: Counts] = [:]
        var histogram: [Int: Int] = [:]
        var u = Utilisation()
        u.actionBudget = budget
        var r = RunCounts()
        var failing = 0
        var last = -1
        func add(_ status: Int, _ c: inout Counts) {
            c.runs += 1
            switch status {
            case 0: c.ok += 1
            case 1: c.failed += 1
            default: c.denied += 1
            }
        }
        let (w, args) = clause()
        try query("""
            SELECT CASE status WHEN 'ok' THEN 0 WHEN 'failed' THEN 1 ELSE 2 END, template, family, duration_ms,
              action_count, captured_epoch
            FROM runs\(w) ORDER BY seq
            """, args) { s in
            let status = s.int(0)
            last = status
            if status == 0 {
                r.currentSuccessStreak += 1
                failing = 0
            } else {
                r.currentSuccessStreak = 0
                failing += 1
                r.longestFailureStreak = max(r.longestFailureStreak, failing)
            }
            var total: Counts = (r.total, r.ok, r.failed, r.denied)
            add(status, &total)
            (r.total, r.ok, r.failed, r.denied) = total
            histogram[s.int(3), default: 0] += 1
            let actions = s.int(4)
            u.actions += actions
            if actions > 0 { u.runsWithActions += 1 }
            if actions >= budget { u.runsAtBudget += 1 }
            u.maxActionsInRun = max(u.maxActionsInRun, actions)
            let epoch = Int64(s.int(5))
            add(status, &days[epoch >= 0 ? epoch / 86_400 : -((-epoch + 86_399) / 86_400), default: (0, 0, 0, 0)])
            add(status, &families[s.string(2), default: (0, 0, 0, 0)])
            if !s.isNull(1) {
                let t = s.string(1)
                add(status, &templates[t, default: (0, 0, 0, 0)])
                if status < 2 {
                    var list = recent.removeValue(forKey: t) ?? []
                    if list.count == window { list.removeFirst() }
                    list.append(status == 0)
                    recent[t] = list
                }
            }
        }
        if last >= 0 { r.latestStatus = Self.statusNames[min(2, last)] }
        if r.total > 0 {
            r.successRate = round6(Double(r.ok) / Double(r.total))
            let perRun = Double(u.actions) / Double(r.total)
            u.shareWithActions = round6(Double(u.runsWithActions) / Double(r.total))
            u.actionsPerRun = round6(perRun)
            u.budgetUse = round6(perRun / Double(budget))
        }
        u.runs = r.total
        out.runs = r
        out.utilisation = u
        out.slo = slo(r, durations: Self.percentiles(histogram, total: r.total))
        let templateStats = Self.stats(templates), familyStats = Self.stats(families)
        out.templateCount = templateStats.count
        out.topTemplates = Array(templateStats.prefix(options.topLimit))
        out.familyCount = familyStats.count
        out.families = Array(familyStats.prefix(options.topLimit))
        out.flaky = recent.compactMap { t, outcomes in
            let switches = zip(outcomes, outcomes.dropFirst()).filter { $0 != $1 }.count
            return switches >= 2 ? FlakyTemplate(template: t, switches: switches, recent: outcomes.map { $0 ? "ok" : "failed" }) : nil
        }.sorted { ($0.switches, $1.template) > ($1.switches, $0.template) }
        out.daily = days.sorted { $0.key < $1.key }.map { day, d in
            DailyPoint(date: RunClock.date(epochSeconds: day * 86_400), runs: d.runs, ok: d.ok, failed: d.failed, denied: d.denied,
                       successRate: round6(Double(d.ok) / Double(max(1, d.runs))))
        }
    }
}
