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
    func run(_ sql: String, _ values: [(any Sendable)?] = []) throws {
        let s = try statement(sql)
        s.bindAll(values)
        try s.run()
    }

    /// Rows of `sql`, mapped by `row`.
    func query<T>(_ sql: String, _ values: [(any Sendable)?] = [], _ row: (Statement) throws -> T) throws -> [T] {
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

    private struct State {
        var pending: [Op] = []
        var draining = false
        var closed = false
    }

    struct Op: Sendable {
        let body: @Sendable (SQLiteConnection) throws -> any Sendable
        let resume: @Sendable (Result<any Sendable, any Error>) -> Void
    }

    init(db: SQLiteConnection, maxBatch: Int = 1024) {
        self.db = db
        self.maxBatch = maxBatch
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
        var results: [Result<any Sendable, any Error>] = []
        results.reserveCapacity(batch.count)
        do {
            try db.run("BEGIN IMMEDIATE")  // prepared once and cached, as every statement of the loop
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
    }

    /// Waits for queued work to commit, then refuses new work.
    func close() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            queue.async {
                self.drain()
                self.state.withLock { $0.closed = true }
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
