import SdetkitCore
import SdetkitStore

/// The history dashboard: one summary model computed from the index, rendered as JSON, Markdown, HTML or CSV.
///
/// ```swift
/// let dash = Dashboard(store: store, options: DashboardOptions(slo: SLOTargets(successRate: 0.99)), clock: clock)
/// let summary = try dash.summary()
/// try dash.render(.html, summary: summary) { bytes in try writer.write(bytes) }
/// ```
public struct Dashboard: Sendable {
    public let store: HistoryStore
    public let options: DashboardOptions
    public let clock: RunClock

    public init(store: HistoryStore, options: DashboardOptions = DashboardOptions(), clock: RunClock) {
        self.store = store
        self.options = options
        self.clock = clock
    }

    /// Computes every metric with SQL aggregates in one read snapshot of the index. The audit panel also reads
    /// the records of the newest ``AuditPanel/trendLimit`` audit runs (the index keeps no scores).
    public func summary() throws -> DashboardSummary {
        var auditRuns: (count: Int, newest: [(seq: Int, capturedAt: String, hash: String)]) = (0, [])
        var summary = try store.withIndex { db in
            try db.transaction(immediate: false) {
                var q = SummaryQuery(db: db, options: options)
                let s = try q.run(generatedAt: clock.nowRFC3339())
                auditRuns = try q.auditRuns(limit: AuditPanel.trendLimit)
                return s
            }
        }
        summary.audit = AuditPanel.load(count: auditRuns.count, runs: auditRuns.newest, store: store)
        summary.integrity = try Self.integrity(of: store)
        return summary
    }

    /// The history's integrity from a full verification run now (`history verify`: every record hash, the
    /// ledger chain, the index's head): "verified" only when it ran clean, otherwise the first problem and how
    /// many there are. The index's own incremental check would miss a record edited after it was indexed.
    public static func integrity(of store: HistoryStore) throws -> IntegrityState {
        let r = try store.verify()
        let problem = r.problems.first.map { p in
            "\(p.kind): \(p.detail)" + (r.problems.count > 1 ? " (and \(r.problems.count - 1) more; run 'sdetkit agent history verify')" : "")
        }
        return IntegrityState(verified: r.ok, entries: r.entries, head: r.head, problem: problem)
    }

    /// Streams `format` to `sink` in chunks. JSON lists every failure (streamed from the index); HTML and
    /// Markdown show the newest failures up to their caps; CSV streams one row per run, or the summary table.
    public func render(_ format: DashboardFormat, summary: DashboardSummary, csvTable: CSVTable = .runs,
                       sink: ([UInt8]) throws -> Void) throws {
        switch format {
        case .json:
            try JSONRenderer(summary: summary).write(failures: { body in try forEachFailure(summary, body) }, sink: sink)
        case .md:
            try sink(MarkdownRenderer(summary: summary).render())
        case .html:
            try sink(HTMLRenderer(summary: summary).render())
        case .csv:
            switch csvTable {
            case .runs: try exportRuns(sink: sink)
            case .summary: try sink(CSVSummary.render(summary))
            }
        }
    }

    /// One CSV row per run of the window, streamed from the index: exactly `history export --format csv`
    /// (RFC 4180, CRLF, formula-neutralised). Needs no summary, so it costs one index scan.
    public func exportRuns(sink: ([UInt8]) throws -> Void) throws {
        try store.export(format: .csv, filter: options.filter, sink: sink)
    }

    /// The whole rendering in memory (for small outputs and tests; CSV of a large history is better streamed).
    public func renderBytes(_ format: DashboardFormat, summary: DashboardSummary, csvTable: CSVTable = .runs) throws -> [UInt8] {
        var out: [UInt8] = []
        try render(format, summary: summary, csvTable: csvTable) { out += $0 }
        return out
    }

    /// Every non-ok run covered by `summary`, newest first, streamed from the index.
    func forEachFailure(_ summary: DashboardSummary, _ body: (FailureRow) throws -> Void) throws {
        try store.withIndex { db in
            var q = SummaryQuery(db: db, options: options)
            q.through = summary.throughSeq
            try q.forEachFailure(limit: nil, body)
        }
    }
}
