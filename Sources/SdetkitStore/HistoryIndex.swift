import SdetkitCore

/// A run as the index knows it: enough for lists, exports and dashboards without reading record files.
public struct IndexedRun: Sendable, Hashable {
    public var seq: Int
    public var hash: String
    public var chain: String
    public var capturedAt: String
    public var durationMs: Int
    public var status: String
    public var kind: String
    public var task: String
    public var template: String?
    public var family: String
    public var actionCount: Int
    public var failedCount: Int
    public var deniedCount: Int
    public var reason: String?

    public var json: JSONValue {
        [
            "seq": .int(seq), "hash": .string(hash), "captured_at": .string(capturedAt), "duration_ms": .int(durationMs),
            "status": .string(status), "kind": .string(kind), "task": .string(task), "template": .optional(template),
            "family": .string(family), "actions": .int(actionCount), "failed_actions": .int(failedCount),
            "denied_actions": .int(deniedCount), "reason": .optional(reason), "chain": .string(chain),
        ]
    }

    /// Column names of the CSV export, in order (the header starts `seq,captured_at,hash,status,task`).
    public static let csvHeader = ["seq", "captured_at", "hash", "status", "task", "kind", "template", "family",
                                   "duration_ms", "actions", "failed_actions", "denied_actions", "reason", "chain"]

    public var csvFields: [String] {
        [String(seq), capturedAt, hash, status, task, kind, template ?? "", family, String(durationMs),
         String(actionCount), String(failedCount), String(deniedCount), reason ?? "", chain]
    }

    /// Task family: which planner rule (or template) produced the run.
    static func family(of record: RunRecord) -> String {
        if let t = record.templateID { return "template:\(t)" }
        if record.planner == "action", let a = record.actions.first?.action { return "action:\(a)" }
        return record.planner
    }
}

/// The SQLite index schema and row writer. Derived data: it can always be rebuilt from ledger + records.
enum IndexSchema {
    static let version = "1"

    static let create = """
    PRAGMA journal_mode=WAL;
    PRAGMA synchronous=NORMAL;
    CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS runs(
      seq INTEGER PRIMARY KEY,
      hash TEXT NOT NULL,
      chain TEXT NOT NULL,
      captured_at TEXT NOT NULL,
      captured_epoch INTEGER NOT NULL,
      day TEXT NOT NULL,
      duration_ms INTEGER NOT NULL,
      status TEXT NOT NULL,
      kind TEXT NOT NULL,
      task TEXT NOT NULL,
      template TEXT,
      family TEXT NOT NULL,
      action_count INTEGER NOT NULL,
      failed_count INTEGER NOT NULL,
      denied_count INTEGER NOT NULL,
      reason TEXT
    );
    CREATE INDEX IF NOT EXISTS runs_hash ON runs(hash);
    CREATE INDEX IF NOT EXISTS runs_status ON runs(status, seq);
    CREATE INDEX IF NOT EXISTS runs_template ON runs(template, seq);
    CREATE INDEX IF NOT EXISTS runs_epoch ON runs(captured_epoch);
    CREATE TABLE IF NOT EXISTS run_actions(
      seq INTEGER NOT NULL,
      idx INTEGER NOT NULL,
      action TEXT NOT NULL,
      ok INTEGER NOT NULL,
      denied INTEGER NOT NULL,
      approval TEXT NOT NULL,
      PRIMARY KEY(seq, idx)
    ) WITHOUT ROWID;
    """

    static let insertRun = """
    INSERT OR REPLACE INTO runs(seq, hash, chain, captured_at, captured_epoch, day, duration_ms, status, kind, task,
      template, family, action_count, failed_count, denied_count, reason)
    VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
    """

    static let insertAction = "INSERT OR REPLACE INTO run_actions(seq, idx, action, ok, denied, approval) VALUES (?,?,?,?,?,?)"

    static let selectColumns = """
    seq, hash, chain, captured_at, duration_ms, status, kind, task, template, family, action_count, failed_count,
    denied_count, reason
    """

    static func row(_ s: Statement) -> IndexedRun {
        IndexedRun(seq: s.int(0), hash: s.string(1), chain: s.string(2), capturedAt: s.string(3), durationMs: s.int(4),
                   status: s.string(5), kind: s.string(6), task: s.string(7), template: s.optionalString(8),
                   family: s.string(9), actionCount: s.int(10), failedCount: s.int(11), deniedCount: s.int(12),
                   reason: s.optionalString(13))
    }

    /// Prepared inserts reused across a batch.
    struct Writer {
        let run: Statement
        let action: Statement

        init(db: SQLiteDatabase) throws {
            run = try db.prepare(IndexSchema.insertRun)
            action = try db.prepare(IndexSchema.insertAction)
        }

        func insert(entry: LedgerEntry, record: RunRecord) throws {
            let epoch = RunClock.parse(entry.capturedAt) ?? 0
            run.reset()
            run.bind(1, entry.seq)
            run.bind(2, entry.hash)
            run.bind(3, entry.chain)
            run.bind(4, entry.capturedAt)
            run.bind(5, epoch)
            run.bind(6, RunClock.date(epochSeconds: epoch))
            run.bind(7, entry.durationMs)
            run.bind(8, record.status.rawValue)
            run.bind(9, record.kind)
            run.bind(10, record.task)
            run.bind(11, record.templateID)
            run.bind(12, IndexedRun.family(of: record))
            run.bind(13, record.actions.count)
            run.bind(14, record.actions.filter { !$0.ok && !$0.denied }.count)
            run.bind(15, record.actions.filter(\.denied).count)
            run.bind(16, record.firstProblem)
            try run.run()
            for (i, a) in record.actions.enumerated() {
                action.reset()
                action.bind(1, entry.seq)
                action.bind(2, i)
                action.bind(3, a.action)
                action.bind(4, a.ok)
                action.bind(5, a.denied)
                action.bind(6, a.approval.rawValue)
                try action.run()
            }
        }
    }
}
