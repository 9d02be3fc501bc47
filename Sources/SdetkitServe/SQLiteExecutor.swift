import Dispatch
import SdetkitStore
import Synchronization

/// The one writer of the server store, with group commit: operations submitted while a transaction is
/// being committed wait for it and then share the next transaction and its one fsync. Each operation runs
/// in a savepoint of that transaction, so one that fails leaves the others intact; each caller is resumed
/// only after the transaction that holds its operation is durably committed.
///
/// All SQLite work happens on a dedicated dispatch queue, never on Swift's cooperative thread pool.
private enum Admission { case start, queued, refused }

/// One SQLite connection with its prepared statements, used by one thread at a time.
final class SQLiteConnection: @unchecked Sendable {
    // @unchecked: used only by the writer queue, or by one reader at a time (ReadPool).
    let db: SQLiteDatabase
    private var cache: [String: Statement] = [:]

    init(_ db: SQLiteDatabase) { self.db = db }

    /// A prepared statement for `sql`, reset and with no bindings.
    func statement(_ sql: String) throws -> Statement {
        if let s = cache[sql] {
            s.reset()
            return s
        }
        let s = try db.prepare(sql)
        cache[sql] = s
        return s
    }

    /// Runs `sql` with `values` bound in order, to completion.
    func run(_ sql: String, _ values: [(any SQLBindable)?] = []) throws {
        let s = try statement(sql)
        s.bindAll(values)
        try s.run()
    }

    /// Rows of `sql`, mapped by `row`.
    func query<T>(_ sql: String, _ values: [(any SQLBindable)?] = [], _ row: (Statement) throws -> T) throws -> [T] {
        let s = try statement(sql)
        s.bindAll(values)
        var out: [T] = []
        while try s.step() { out.append(try row(s)) }
        s.reset()
        return out
    }

    func execute(_ sql: String) throws { try db.execute(sql) }
    var changes: Int { db.changes }
}

final class GroupCommitWriter: @unchecked Sendable {
    // @unchecked: `db` is used only on `queue`; the pending list is under a Mutex.
    private let db: SQLiteConnection
    private let queue = DispatchQueue(label: "sdetkit.serve.writer")
    private let state = Mutex(State())
    let maxBatch: Int
    private let checkpointer: Checkpointer?
    // Used only on `queue` (the WAL hook runs inside COMMIT): the WAL's frames after the last commit, and where the
    // last background checkpoint was asked for.
    private var walFrames = 0
    private var backgroundAskedAt = 0
    private var finishedWhenAsked = 0
    /// WAL growth (frames, 4 KiB pages) after which the checkpointer is asked to copy the WAL into the database.
    static let backgroundCheckpointFrames = 512
    /// WAL size from which the writer finishes the checkpointer's work itself (a background checkpoint alone never
    /// catches up with a writer that never pauses: the WAL would grow without end).
    static let writerCheckpointFrames = 4096

    private struct State {
        var pending: [Op] = []
        var draining = false
        var closed = false
    }

    struct Op: Sendable {
        let body: @Sendable (SQLiteConnection) throws -> any Sendable
        let resume: @Sendable (Result<any Sendable, any Error>) -> Void
    }

    init(db: SQLiteConnection, maxBatch: Int = 1024, checkpointer: Checkpointer? = nil) {
        self.db = db
        self.maxBatch = maxBatch
        self.checkpointer = checkpointer
        if checkpointer != nil {
            db.db.onWALCommit { [unowned self] frames in self.walFrames = frames }
        }
    }

    /// Runs `body` inside the next group transaction; returns once that transaction is committed.
    func write<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (cont: CheckedContinuation<T, any Error>) in
            let op = Op(body: { try body($0) }, resume: { r in
                switch r {
                case .success(let v): cont.resume(returning: v as! T)  // swiftlint:disable:this force_cast
                case .failure(let e): cont.resume(throwing: e)
                }
            })
            let admission: Admission = state.withLock { s in
                if s.closed { return .refused }
                s.pending.append(op)
                if s.draining { return .queued }
                s.draining = true
                return .start
            }
            switch admission {
            case .start: queue.async { self.drain() }
            case .queued: break
            case .refused: cont.resume(throwing: ServeError.store("server store: closed (the server is stopping)"))
            }
        }
    }

    private func drain() {
        while true {
            let batch: [Op] = state.withLock { s in
                if s.pending.isEmpty {
                    s.draining = false
                    return []
                }
                let n = min(maxBatch, s.pending.count)
                let b = Array(s.pending.prefix(n))
                s.pending.removeFirst(n)
                return b
            }
            if batch.isEmpty { return }
            commit(batch)
        }
    }

    private func commit(_ batch: [Op]) {
        // Fast path: the whole batch in one transaction without savepoints (a savepoint per operation costs three
        // statements and a statement journal). Operations only touch the database, so when one of them fails the
        // transaction is rolled back and the batch runs again with a savepoint per operation.
        var results: [any Sendable] = []
        results.reserveCapacity(batch.count)
        do {
            try db.run("BEGIN IMMEDIATE")  // prepared once and cached, as every statement of the loop
            for op in batch { results.append(try op.body(db)) }
            try db.run("COMMIT")
            for (op, v) in zip(batch, results) { op.resume(.success(v)) }
            didCommit()
            return
        } catch {
            try? db.run("ROLLBACK")
            if batch.count == 1 {
                batch[0].resume(.failure(error))
                return
            }
        }
        commitIsolated(batch)
    }

    /// One transaction, a savepoint per operation: one that fails leaves the others intact.
    private func commitIsolated(_ batch: [Op]) {
        var results: [Result<any Sendable, any Error>] = []
        results.reserveCapacity(batch.count)
        do {
            try db.run("BEGIN IMMEDIATE")
            for op in batch {
                do {
                    try db.run("SAVEPOINT op")
                    let v = try op.body(db)
                    try db.run("RELEASE op")
                    results.append(.success(v))
                } catch {
                    try? db.run("ROLLBACK TO op")
                    try? db.run("RELEASE op")
                    results.append(.failure(error))
                }
            }
            try db.run("COMMIT")
        } catch {
            try? db.run("ROLLBACK")
            for op in batch { op.resume(.failure(ServeError.store("server store: the transaction did not commit: \(error)"))) }
            return
        }
        for (op, r) in zip(batch, results) { op.resume(r) }
        didCommit()
    }

    /// After each commit (its callers already resumed): background checkpoints as the WAL grows, and when it is
    /// large, a short one by the writer itself right after a background one finished — it then copies only the
    /// few frames committed meanwhile, and the next transaction starts the WAL from its beginning again.
    private func didCommit() {
        guard let checkpointer else { return }
        if walFrames < backgroundAskedAt { backgroundAskedAt = 0 }  // the WAL started again from its beginning
        if walFrames >= Self.writerCheckpointFrames {
            let (running, finished) = checkpointer.progress
            if running { return }
            if finished > finishedWhenAsked {
                try? db.execute("PRAGMA wal_checkpoint(PASSIVE)")
                finishedWhenAsked = finished
                return
            }
        }
        if walFrames >= backgroundAskedAt + Self.backgroundCheckpointFrames || walFrames >= Self.writerCheckpointFrames {
            backgroundAskedAt = walFrames
            finishedWhenAsked = checkpointer.progress.finished
            checkpointer.request()
        }
    }

    /// Waits for queued work to commit, then refuses new work.
    func close() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            queue.async {
                self.drain()
                self.state.withLock { $0.closed = true }
                self.checkpointer?.stop()
                try? self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  // a stopped server leaves an empty WAL
                c.resume()
            }
        }
    }
}

/// Read connections (WAL readers see the last commit and never block the writer), used on a concurrent
/// dispatch queue so that queries never block Swift's cooperative pool.
final class ReadPool: @unchecked Sendable {
    // @unchecked: each connection is used by one thread at a time (taken from and returned to `idle`).
    private let idle: Mutex<[SQLiteConnection]>
    private let open: @Sendable () throws -> SQLiteConnection
    private let queue = DispatchQueue(label: "sdetkit.serve.readers", attributes: .concurrent)

    init(open: @escaping @Sendable () throws -> SQLiteConnection) {
        self.open = open
        idle = Mutex([])
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (cont: CheckedContinuation<T, any Error>) in
            queue.async {
                do {
                    let db = try self.idle.withLock { $0.popLast() } ?? self.open()
                    defer { self.idle.withLock { if $0.count < 8 { $0.append(db) } } }
                    cont.resume(returning: try body(db))
                } catch {
                    cont.resume(throwing: error)
                }
            }
        }
    }
}

/// Copies the WAL into the database (`PRAGMA wal_checkpoint(PASSIVE)`) on its own connection and serial queue,
/// when the writer asks; requests while one is running are merged. The writer runs with `wal_autocheckpoint=0`,
/// so a commit never does this work itself; a passive checkpoint never blocks the writer or the readers.
final class Checkpointer: @unchecked Sendable {
    // @unchecked: `db` is used only on `queue`; the flags are under a Mutex.
    private let db: SQLiteConnection
    private let queue = DispatchQueue(label: "sdetkit.serve.checkpointer")
    private let state = Mutex((running: false, again: false, stopped: false, finished: 0))

    /// Whether a checkpoint is running, and how many have finished.
    var progress: (running: Bool, finished: Int) { state.withLock { ($0.running, $0.finished) } }

    init(db: SQLiteConnection) { self.db = db }

    func request() {
        let start: Bool = state.withLock { s in
            if s.stopped { return false }
            if s.running {
                s.again = true
                return false
            }
            s.running = true
            return true
        }
        if start { queue.async { self.loop() } }
    }

    private func loop() {
        while true {
            try? db.execute("PRAGMA wal_checkpoint(PASSIVE)")
            let more: Bool = state.withLock { s in
                s.finished += 1
                if s.again && !s.stopped {
                    s.again = false
                    return true
                }
                s.running = false
                return false
            }
            if !more { return }
        }
    }

    /// No checkpoint starts after this; one in progress finishes first.
    func stop() {
        state.withLock { $0.stopped = true }
        queue.sync {}
    }
}
