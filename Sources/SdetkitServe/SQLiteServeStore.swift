#if canImport(Glibc)
import Glibc
#endif
import SdetkitCore
import SdetkitStore

/// The server store in SQLite (WAL, `synchronous=FULL`) at `.sdetkit/agent/serve.sqlite`.
///
/// One writer connection commits in groups (``GroupCommitWriter``): every write of the server is an operation
/// there, and its caller resumes only after the transaction holding it is durable. Queries use their own read
/// connections (WAL readers never block the writer).
public final class SQLiteServeStore: ServeStore {
    static let schemaVersion = 3
    let path: String
    let writer: GroupCommitWriter
    let readers: ReadPool

    /// Opens (creating and migrating) the store at `path`. The file must be a regular file or absent.
    public init(path: String) throws {
        self.path = path
        if FileSystem.isSymlink(path) || (FileSystem.exists(path) && !FileSystem.isRegularFile(path)) {
            throw ServeError.store("\(path) is not a regular file; move it away so the server can create its store there")
        }
        let conn = try SQLiteServeStore.open(path, readOnly: false)
        try SQLiteServeStore.migrate(conn)
        try conn.execute("PRAGMA wal_autocheckpoint=0")  // the checkpointer does it, off the writer's thread
        writer = GroupCommitWriter(db: conn, checkpointer: Checkpointer(db: try SQLiteServeStore.open(path, readOnly: false)))
        readers = ReadPool { try SQLiteServeStore.open(path, readOnly: true) }
    }

    static func open(_ path: String, readOnly: Bool) throws -> SQLiteConnection {
        do {
            let db = try SQLiteDatabase(path: path, readOnly: readOnly)
            let c = SQLiteConnection(db)
            if !readOnly {
                try c.execute("PRAGMA journal_mode=WAL")
                try c.execute("PRAGMA synchronous=FULL")
                // 16 MiB of page cache (the default is 2 MiB): the indexes' hot pages stay in memory under load.
                try c.execute("PRAGMA cache_size=-16384")
            }
            try c.execute("PRAGMA foreign_keys=ON")
            return c
        } catch let e as SQLiteError {
            throw ServeError.store("server store \(path): \(e.detail)")
        }
    }

    /// Schema versions, applied in order inside one transaction each; `meta.schema_version` says where a file is.
    static let migrations: [[String]] = [
        [
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
            """
            CREATE TABLE events (event_id TEXT PRIMARY KEY, source TEXT NOT NULL, channel TEXT NOT NULL,
              user_id TEXT NOT NULL, external_id TEXT, text TEXT NOT NULL, state TEXT NOT NULL, body_sha256 TEXT NOT NULL,
              reply_to TEXT NOT NULL, request_id TEXT NOT NULL, run_id TEXT, received_at TEXT NOT NULL,
              received_ms INTEGER NOT NULL, UNIQUE (source, external_id))
            """,
            "CREATE INDEX events_channel ON events (channel, received_ms)",
            "CREATE INDEX events_state ON events (state, received_ms)",
            """
            CREATE TABLE runs (run_id TEXT PRIMARY KEY, kind TEXT NOT NULL, argument TEXT NOT NULL, inputs TEXT,
              priority INTEGER NOT NULL, status TEXT NOT NULL, channel TEXT NOT NULL, user_id TEXT NOT NULL,
              request_id TEXT NOT NULL, event_id TEXT, approved_by TEXT, reply_to TEXT NOT NULL, seq INTEGER, hash TEXT,
              error TEXT, created_at TEXT NOT NULL, created_ms INTEGER NOT NULL, finished_at TEXT, finished_ms INTEGER)
            """,
            "CREATE INDEX runs_queue ON runs (status, priority, created_ms)",
            """
            CREATE TABLE idempotency (key TEXT PRIMARY KEY, body_sha256 TEXT NOT NULL, status INTEGER NOT NULL,
              response TEXT NOT NULL, created_ms INTEGER NOT NULL)
            """,
            """
            CREATE TABLE outbox (message_id TEXT PRIMARY KEY, channel TEXT NOT NULL, method TEXT NOT NULL, body TEXT NOT NULL,
              state TEXT NOT NULL, event_id TEXT, created_at TEXT NOT NULL, created_ms INTEGER NOT NULL)
            """,
            "CREATE INDEX outbox_channel ON outbox (channel, created_ms)",
            "CREATE TABLE chat_cursor (channel TEXT NOT NULL, chat TEXT NOT NULL, update_id INTEGER NOT NULL, PRIMARY KEY (channel, chat))",
        ],
        [
            // Only events still waiting are looked up by state: a partial index stays a few hot pages instead of
            // moving every event from one part of a full index to another when it is processed.
            "DROP INDEX events_state",
            "CREATE INDEX events_pending ON events (received_ms) WHERE state = 'accepted'",
        ],
        [
            // The wall-clock text of events and outbox messages is derived from their milliseconds when read
            // instead of being stored twice (the same RFC 3339 text).
            "ALTER TABLE events DROP COLUMN received_at",
            "ALTER TABLE outbox DROP COLUMN created_at",
        ],
    ]

    static func migrate(_ c: SQLiteConnection) throws {
        do {
            try c.execute("BEGIN IMMEDIATE")
            let hasMeta = try !c.query("SELECT name FROM sqlite_master WHERE type='table' AND name='meta'") { $0.string(0) }.isEmpty
            var version = 0
            if hasMeta {
                version = try c.query("SELECT value FROM meta WHERE key='schema_version'") { Int($0.string(0)) ?? 0 }.first ?? 0
            }
            guard version <= schemaVersion else {
                try? c.execute("ROLLBACK")
                throw ServeError.store("server store: schema version \(version) is newer than this sdetkit understands "
                    + "(\(schemaVersion)); upgrade sdetkit or move .sdetkit/agent/serve.sqlite away")
            }
            for v in version..<schemaVersion {
                for sql in migrations[v] { try c.execute(sql) }
            }
            try c.run("INSERT INTO meta (key, value) VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                      [String(schemaVersion)])
            try c.execute("COMMIT")
        } catch let e as SQLiteError {
            try? c.execute("ROLLBACK")
            throw ServeError.store("server store: migration failed: \(e.detail)")
        }
    }

    static func nowMillis() -> Int { Timestamps.nowMillis() }

    /// RFC 3339 UTC with milliseconds.
    static func timestamp(_ ms: Int) -> String { Timestamps.rfc3339(millis: ms) }

    // MARK: Events

    public func insertEvent(_ e: NewEvent, decided: EventResolution?) async throws -> EventInsertOutcome {
        let ms = Self.nowMillis()
        let state = decided?.state ?? e.state
        return try await writer.write { c in
            // The UNIQUE (source, external_id) constraint finds a duplicate: the common case (a new event) costs one statement.
            try c.run("""
                INSERT INTO events (event_id, source, channel, user_id, external_id, text, state, body_sha256, reply_to,
                  request_id, run_id, received_ms) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)
                ON CONFLICT (source, external_id) DO NOTHING
                """, [e.eventID, e.source.rawValue, e.channel, e.userID, e.externalID, e.text, state.rawValue, e.bodySHA256,
                      CanonicalJSON.string(e.replyTo), e.requestID, decided?.run?.runID, ms])
            if c.changes == 0, let ext = e.externalID {
                let found = try c.query("SELECT event_id, body_sha256 FROM events WHERE source = ? AND external_id = ?",
                                        [e.source.rawValue, ext]) { ($0.string(0), $0.string(1)) }
                if let (id, sha) = found.first {
                    return sha == e.bodySHA256 ? EventInsertOutcome.duplicate(eventID: id) : .conflict(eventID: id)
                }
                throw ServeError.store("server store: event \(e.eventID) was neither stored nor found as a duplicate")
            }
            if let d = decided {
                if let run = d.run { try Self.insertRun(c, run, ms: ms) }
                for m in d.replies { try Self.insertOutbox(c, m, ms: ms) }
            }
            return EventInsertOutcome.stored(eventID: e.eventID)
        }
    }

    public func resolve(_ resolutions: [EventResolution]) async throws {
        guard !resolutions.isEmpty else { return }
        let ms = Self.nowMillis()
        try await writer.write { c in
            for r in resolutions {
                if let run = r.run { try Self.insertRun(c, run, ms: ms) }
                // Only an event still waiting (or stored already decided, as a slash command is) takes the decision.
                try c.run("UPDATE events SET state = ?, run_id = coalesce(?, run_id) WHERE event_id = ? AND state IN ('accepted', ?)",
                          [r.state.rawValue, r.run?.runID, r.eventID, r.state.rawValue])
                for m in r.replies { try Self.insertOutbox(c, m, ms: ms) }
                if let cursor = r.cursor {
                    try c.run("""
                        INSERT INTO chat_cursor (channel, chat, update_id) VALUES ('telegram', ?, ?)
                        ON CONFLICT (channel, chat) DO UPDATE SET update_id = max(update_id, excluded.update_id)
                        """, [cursor.chat, cursor.updateID])
                }
            }
        }
    }

    static func insertOutbox(_ c: SQLiteConnection, _ m: OutboxMessage, ms: Int) throws {
        try c.run("""
            INSERT INTO outbox (message_id, channel, method, body, state, event_id, created_ms) VALUES (?,?,?,?,?,?,?)
            """, [m.messageID, m.channel, m.method, CanonicalJSON.string(m.body), OutboxState.simulated.rawValue, m.eventID, ms])
    }

    // MARK: Runs

    static func insertRun(_ c: SQLiteConnection, _ r: NewRun, ms: Int) throws {
        try c.run("""
            INSERT INTO runs (run_id, kind, argument, inputs, priority, status, channel, user_id, request_id, event_id,
              approved_by, reply_to, created_at, created_ms) VALUES (?,?,?,?,?,'queued',?,?,?,?,?,?,?,?)
            """, [r.runID, r.spec.kind, r.spec.argument, r.spec.inputsJSON, r.priority.rank, r.channel, r.userID, r.requestID,
                  r.eventID, r.approvedBy, CanonicalJSON.string(r.replyTo), timestamp(ms), ms])
    }

    public func enqueueRun(_ run: NewRun, idempotencyKey: String?, bodySHA256: String?, maxDepth: Int) async throws -> RunEnqueueOutcome {
        let ms = Self.nowMillis()
        return try await writer.write { c in
            if let key = idempotencyKey {
                let found = try c.query("SELECT body_sha256, status, response FROM idempotency WHERE key = ?", [key]) {
                    ($0.string(0), $0.int(1), $0.string(2))
                }
                if let (sha, status, response) = found.first {
                    guard sha == bodySHA256 else { return RunEnqueueOutcome.keyConflict }
                    return .replay(IdempotentAnswer(bodySHA256: sha, status: status,
                                                    body: (try? JSONParser.parse(response)) ?? .object([:])))
                }
            }
            let depth = try c.query("SELECT COUNT(*) FROM runs WHERE status = 'queued'") { $0.int(0) }.first ?? 0
            guard depth < maxDepth else { return .queueFull(depth: depth) }
            try Self.insertRun(c, run, ms: ms)
            let queued = QueuedRun(runID: run.runID, spec: run.spec, priority: run.priority, status: .queued, channel: run.channel,
                                   userID: run.userID, requestID: run.requestID, eventID: run.eventID, approvedBy: run.approvedBy,
                                   replyTo: run.replyTo, seq: nil, hash: nil, error: nil, createdAt: Self.timestamp(ms), finishedAt: nil)
            if let key = idempotencyKey, let sha = bodySHA256 {
                try c.run("INSERT INTO idempotency (key, body_sha256, status, response, created_ms) VALUES (?,?,?,?,?)",
                          [key, sha, 202, CanonicalJSON.string(Self.acceptedBody(queued)), ms])
            }
            return .queued(queued)
        }
    }

    /// The 202 answer of `POST /api/v1/runs`.
    static func acceptedBody(_ r: QueuedRun) -> JSONValue {
        ["run_id": .string(r.runID), "status": .string(QueuedRunStatus.queued.rawValue), "task": .string(r.spec.taskText)]
    }

    static let runColumns = """
        run_id, kind, argument, inputs, priority, status, channel, user_id, request_id, event_id, approved_by, reply_to,
        seq, hash, error, created_at, finished_at
        """

    static func runRow(_ s: Statement) -> QueuedRun? {
        guard let spec = RunSpec.from(kind: s.string(1), argument: s.string(2), inputs: s.optionalString(3)),
              let status = QueuedRunStatus(rawValue: s.string(5)) else { return nil }
        let priority = RunPriority.allCases.first { $0.rank == s.int(4) } ?? .normal
        return QueuedRun(runID: s.string(0), spec: spec, priority: priority, status: status, channel: s.string(6),
                         userID: s.string(7), requestID: s.string(8), eventID: s.optionalString(9), approvedBy: s.optionalString(10),
                         replyTo: (try? JSONParser.parse(s.string(11))) ?? .null, seq: s.isNull(12) ? nil : s.int(12),
                         hash: s.optionalString(13), error: s.optionalString(14), createdAt: s.string(15),
                         finishedAt: s.optionalString(16))
    }

    public func claimRun(limits: ClaimLimits) async throws -> QueuedRun? {
        try await writer.write { c in
            let sql = """
                SELECT \(Self.runColumns) FROM runs WHERE status = 'queued'
                  AND channel || ':' || user_id NOT IN (SELECT channel || ':' || user_id FROM runs WHERE status = 'running'
                    GROUP BY channel, user_id HAVING COUNT(*) >= ?)
                  AND channel NOT IN (SELECT channel FROM runs WHERE status = 'running' GROUP BY channel HAVING COUNT(*) >= ?)
                ORDER BY priority, created_ms, run_id LIMIT 1
                """
            guard let run = try c.query(sql, [limits.perUser, limits.perChannel], Self.runRow).first ?? nil else { return nil }
            try c.run("UPDATE runs SET status = 'running' WHERE run_id = ? AND status = 'queued'", [run.runID])
            guard c.changes == 1 else { return nil }
            var claimed = run
            claimed.status = .running
            return claimed
        }
    }

    public func finishRun(_ runID: String, status: QueuedRunStatus, seq: Int?, hash: String?, error: String?,
                          replies: [OutboxMessage]) async throws {
        let ms = Self.nowMillis()
        try await writer.write { c in
            try c.run("""
                UPDATE runs SET status = ?, seq = ?, hash = ?, error = ?, finished_at = ?, finished_ms = ?
                WHERE run_id = ? AND status IN ('queued', 'running')
                """, [status.rawValue, seq, hash, error, Self.timestamp(ms), ms, runID])
            for m in replies { try Self.insertOutbox(c, m, ms: ms) }
        }
    }

    public func cancelRun(_ runID: String) async throws -> RunCancelOutcome {
        let ms = Self.nowMillis()
        return try await writer.write { c in
            guard let run = try c.query("SELECT \(Self.runColumns) FROM runs WHERE run_id = ?", [runID], Self.runRow).first ?? nil else {
                return RunCancelOutcome.notFound
            }
            switch run.status {
            case .queued:
                try c.run("UPDATE runs SET status = 'cancelled', error = ?, finished_at = ?, finished_ms = ? WHERE run_id = ?",
                          ["cancelled through the run API before it started", Self.timestamp(ms), ms, runID])
                var r = run
                r.status = .cancelled
                r.error = "cancelled through the run API before it started"
                r.finishedAt = Self.timestamp(ms)
                return .cancelled(r)
            case .running: return .running(run)
            default: return .finished(run)
            }
        }
    }

    public func failInterruptedRuns() async throws -> Int {
        let ms = Self.nowMillis()
        return try await writer.write { c in
            try c.run("""
                UPDATE runs SET status = 'failed', error = ?, finished_at = ?, finished_ms = ? WHERE status = 'running'
                """, ["interrupted: the server stopped while this run was running; it is not re-run (it may have written files)",
                      Self.timestamp(ms), ms])
            return c.changes
        }
    }

    public func cancelQueuedRuns(reason: String) async throws -> Int {
        let ms = Self.nowMillis()
        return try await writer.write { c in
            try c.run("UPDATE runs SET status = 'cancelled', error = ?, finished_at = ?, finished_ms = ? WHERE status = 'queued'",
                      [reason, Self.timestamp(ms), ms])
            return c.changes
        }
    }

    // MARK: Upkeep

    public func prune(retentionDays: Int) async throws -> Int {
        let now = Self.nowMillis()
        let cutoff = now - retentionDays * 86_400_000
        let keyCutoff = now - 86_400_000
        return try await writer.write { c in
            var n = 0
            try c.run("DELETE FROM events WHERE received_ms < ? AND state != 'accepted'", [cutoff]); n += c.changes
            try c.run("DELETE FROM runs WHERE finished_ms < ?", [cutoff]); n += c.changes
            try c.run("DELETE FROM outbox WHERE created_ms < ?", [cutoff]); n += c.changes
            try c.run("DELETE FROM idempotency WHERE created_ms < ?", [keyCutoff]); n += c.changes
            return n
        }
    }

    public func checkWritable() async throws {
        let ms = Self.nowMillis()
        try await writer.write { c in
            try c.run("INSERT INTO meta (key, value) VALUES ('ready_check', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                      [String(ms)])
        }
    }

    public func close() async { await writer.close() }
}
