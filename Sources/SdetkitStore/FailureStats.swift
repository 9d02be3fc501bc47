import SdetkitCore

/// How often one action failed or was denied across the history (from the index's `run_actions`).
public struct ActionFailureStat: Sendable, Hashable {
    public var action: String
    public var failed: Int
    public var denied: Int
    /// Runs with at least one such outcome.
    public var runs: Int
    public var lastSeq: Int
    public var lastCapturedAt: String

    public var count: Int { failed + denied }
}

/// One failed or denied action outcome, newest first.
public struct FailedOutcomeRef: Sendable, Hashable {
    public var seq: Int
    public var index: Int
    public var hash: String
    public var action: String
    public var denied: Bool
    public var capturedAt: String
}

extension HistoryStore {
    /// Every action that failed or was denied at least once: most frequent first, then most recent.
    public func actionFailureStats() throws -> [ActionFailureStat] {
        try withIndex { db in
            let s = try db.prepare("""
                SELECT g.action, g.failed, g.denied, g.runs, g.last, r.captured_at FROM (
                  SELECT action, SUM(1 - denied) AS failed, SUM(denied) AS denied, COUNT(DISTINCT seq) AS runs, MAX(seq) AS last
                  FROM run_actions WHERE ok = 0 GROUP BY action
                ) g LEFT JOIN runs r ON r.seq = g.last
                """)
            var out: [ActionFailureStat] = []
            while try s.step() {
                out.append(ActionFailureStat(action: s.string(0), failed: s.int(1), denied: s.int(2), runs: s.int(3),
                                             lastSeq: s.int(4), lastCapturedAt: s.optionalString(5) ?? ""))
            }
            return out.sorted { ($0.count, $0.lastSeq, $1.action) > ($1.count, $1.lastSeq, $0.action) }
        }
    }

    /// The newest `limit` failed or denied action outcomes.
    public func recentFailedOutcomes(limit: Int) throws -> [FailedOutcomeRef] {
        try withIndex { db in
            let s = try db.prepare("""
                SELECT a.seq, a.idx, r.hash, a.action, a.denied, r.captured_at FROM run_actions a JOIN runs r ON r.seq = a.seq
                WHERE a.ok = 0 ORDER BY a.seq DESC, a.idx LIMIT ?
                """)
            s.bindAll([limit])
            var out: [FailedOutcomeRef] = []
            while try s.step() {
                out.append(FailedOutcomeRef(seq: s.int(0), index: s.int(1), hash: s.string(2), action: s.string(3),
                                            denied: s.int(4) != 0, capturedAt: s.string(5)))
            }
            return out
        }
    }
}
