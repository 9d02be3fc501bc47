import SdetkitCore
import SdetkitStore

extension SummaryQuery {
    /// The window's audit runs (a `repo.audit` action), newest first, in one pass over `runs`: how many there
    /// are, and the newest `limit` of them (sequence number, captured time, record hash). The index keeps no
    /// scores, so ``AuditPanel/load(_:runs:store:)`` reads these few records.
    func auditRuns(limit: Int) throws -> (count: Int, newest: [(seq: Int, capturedAt: String, hash: String)]) {
        let (w, args) = clause("EXISTS (SELECT 1 FROM run_actions WHERE run_actions.seq = runs.seq AND run_actions.action = 'repo.audit')")
        var count = 0
        var newest: [(Int, String, String)] = []
        try query("SELECT runs.seq, runs.captured_at, runs.hash FROM runs\(w) ORDER BY runs.seq DESC", args) { s in
            count += 1
            if newest.count < limit { newest.append((s.int(0), s.string(1), s.string(2))) }
        }
        return (count, newest)
    }
}

extension AuditPanel {
    /// The panel from the newest audit runs (newest first, as ``SummaryQuery/auditRuns(limit:)`` gives them):
    /// each run's score is that of its last `repo.audit` action with a `score` result. A run whose record cannot
    /// be read is left out (history integrity reports it).
    static func load(count: Int, runs: [(seq: Int, capturedAt: String, hash: String)], store: HistoryStore) -> AuditPanel {
        var panel = AuditPanel()
        panel.runs = count
        var points: [AuditPoint] = []
        for run in runs {
            guard let record = try? store.record(hash: run.hash),
                  let action = record.actions.last(where: { $0.action == "repo.audit" && $0.result["score"]?.doubleValue != nil }),
                  let score = action.result["score"]?.doubleValue else { continue }
            if panel.latest == nil {
                let r = action.result
                var c = AuditSeverityCounts()
                c.critical = r["critical"]?.intValue ?? 0
                c.high = r["high"]?.intValue ?? 0
                c.medium = r["medium"]?.intValue ?? 0
                c.low = r["low"]?.intValue ?? 0
                c.info = r["info"]?.intValue ?? 0
                c.total = r["findings"]?.intValue ?? (c.critical + c.high + c.medium + c.low + c.info)
                panel.findings = c
                panel.profile = r["profile"]?.stringValue
            }
            let point = AuditPoint(seq: run.seq, capturedAt: run.capturedAt, hash: run.hash, score: score)
            if panel.latest == nil { panel.latest = point }
            points.append(point)
        }
        panel.trend = points.reversed()
        return panel
    }
}
