#if canImport(Glibc)
import Glibc
#endif
import CSQLite
import SdetkitCore

/// A failure from SQLite, with the database's own message.
public struct SQLiteError: UserFacingError, CustomStringConvertible {
    public let code: Int32
    public let detail: String
    public var message: String { "history index (SQLite): \(detail); run 'sdetkit agent history reindex' to rebuild it" }
    public var exitStatus: ExitStatus { .usage }
    public var description: String { message }
    /// SQLITE_CORRUPT or SQLITE_NOTADB (extended codes included): the file is damaged, not busy or missing.
    public var isDamage: Bool { code & 0xFF == SQLITE_CORRUPT || code & 0xFF == SQLITE_NOTADB }
}

/// A thin wrapper over one SQLite connection (C API). Not thread-safe by itself: the store serialises access.
/// `@unchecked Sendable`: a connection is only used under `HistoryStore`'s mutex (one caller at a time).
public final class SQLiteDatabase: @unchecked Sendable {
    let handle: OpaquePointer

    /// A descriptor the connection's path goes through (`/proc/self/fd/<n>/…`), open as long as the connection is
    /// (see ``SQLiteDatabase/open(name:inDirectory:)``); -1 for none.
    var heldDirectory: Int32 = -1

    public init(path: String, readOnly: Bool = false, vfs: String? = nil, flags extra: Int32 = 0) throws(SQLiteError) {
        var db: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)) | SQLITE_OPEN_NOMUTEX | extra
        let rc = sqlite3_open_v2(path, &db, flags, vfs)
        guard rc == SQLITE_OK, let db else {
            let msg = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open \(path)"
            if let db { sqlite3_close(db) }
            throw SQLiteError(code: rc, detail: msg)
        }
        handle = db
        sqlite3_busy_timeout(db, 30_000)
    }

    deinit {
        sqlite3_close_v2(handle)  // every statement holds the connection: none is left, so this closes now
        if heldDirectory >= 0 { close(heldDirectory) }
    }

    private var walHook: WALHook?

    /// Calls `body` with the number of frames in the write-ahead log after each commit on this connection
    /// (`sqlite3_wal_hook`). It replaces SQLite's automatic checkpoint: the caller decides when to checkpoint.
    public func onWALCommit(_ body: @escaping (Int) -> Void) {
        let hook = WALHook(body)
        walHook = hook
        sqlite3_wal_hook(handle, { context, _, _, frames in
            if let context { Unmanaged<WALHook>.fromOpaque(context).takeUnretainedValue().body(Int(frames)) }
            return SQLITE_OK
        }, Unmanaged.passUnretained(hook).toOpaque())
    }

    public static var version: String { String(cString: sqlite3_libversion()) }

    func error(_ rc: Int32) -> SQLiteError { SQLiteError(code: rc, detail: String(cString: sqlite3_errmsg(handle))) }

    public func execute(_ sql: String) throws(SQLiteError) {
        var err: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &err)
        if rc != SQLITE_OK {
            let msg = err.map { String(cString: $0) } ?? "error \(rc)"
            sqlite3_free(err)
            throw SQLiteError(code: rc, detail: msg)
        }
    }

    public func prepare(_ sql: String) throws(SQLiteError) -> Statement {
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v2(handle, sql, -1, &stmt, nil)
        guard rc == SQLITE_OK, let stmt else { throw error(rc) }
        return Statement(db: self, stmt: stmt)
    }

    /// Runs `body` in a transaction (`BEGIN IMMEDIATE` takes the write lock up front).
    public func transaction<T>(immediate: Bool = true, _ body: () throws -> T) throws -> T {
        try execute(immediate ? "BEGIN IMMEDIATE" : "BEGIN")
        do {
            let v = try body()
            try execute("COMMIT")
            return v
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    public var changes: Int { Int(sqlite3_changes(handle)) }
}

private final class WALHook {
    let body: (Int) -> Void
    init(_ body: @escaping (Int) -> Void) { self.body = body }
}

/// A prepared statement. Bind with 1-based indices; step through rows.
public final class Statement {
    let db: SQLiteDatabase
    let stmt: OpaquePointer

    init(db: SQLiteDatabase, stmt: OpaquePointer) {
        self.db = db
        self.stmt = stmt
    }

    deinit { sqlite3_finalize(stmt) }

    public func reset() {
        sqlite3_reset(stmt)
        sqlite3_clear_bindings(stmt)
    }

    public func bind(_ index: Int32, _ value: String?) {
        if let value {
            sqlite3_bind_text(stmt, index, value, -1, sdetkit_sqlite_transient())
        } else {
            sqlite3_bind_null(stmt, index)
        }
    }

    public func bind(_ index: Int32, _ value: Int) { sqlite3_bind_int64(stmt, index, Int64(value)) }
    public func bind(_ index: Int32, _ value: Int64) { sqlite3_bind_int64(stmt, index, value) }
    public func bind(_ index: Int32, _ value: Double) { sqlite3_bind_double(stmt, index, value) }
    public func bind(_ index: Int32, _ value: Bool) { sqlite3_bind_int64(stmt, index, value ? 1 : 0) }

    /// Binds parameters in order (`nil` binds NULL). Each value binds itself: no dynamic casts on the hot path.
    public func bindAll(_ values: [(any SQLBindable)?]) {
        var idx: Int32 = 1
        for v in values {
            if let v { v.bind(to: self, at: idx) } else { sqlite3_bind_null(stmt, idx) }
            idx += 1
        }
    }

    /// Advances; true when a row is available.
    public func step() throws(SQLiteError) -> Bool {
        let rc = sqlite3_step(stmt)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        throw db.error(rc)
    }

    /// Executes to completion, ignoring rows.
    public func run() throws(SQLiteError) {
        while try step() {}
        sqlite3_reset(stmt)
    }

    /// Columns of the result rows.
    public var columnCount: Int32 { sqlite3_column_count(stmt) }

    public func int(_ col: Int32) -> Int { Int(sqlite3_column_int64(stmt, col)) }
    public func double(_ col: Int32) -> Double { sqlite3_column_double(stmt, col) }
    public func isNull(_ col: Int32) -> Bool { sqlite3_column_type(stmt, col) == SQLITE_NULL }

    public func string(_ col: Int32) -> String {
        guard let p = sqlite3_column_text(stmt, col) else { return "" }
        return String(cString: p)
    }

    public func optionalString(_ col: Int32) -> String? { isNull(col) ? nil : string(col) }
}

/// A value that can be bound to a statement parameter: String, Int, Int64, Double, Bool.
public protocol SQLBindable: Sendable {
    func bind(to statement: Statement, at index: Int32)
}

extension String: SQLBindable {
    public func bind(to statement: Statement, at index: Int32) { statement.bind(index, self) }
}
extension Int: SQLBindable {
    public func bind(to statement: Statement, at index: Int32) { statement.bind(index, self) }
}
extension Int64: SQLBindable {
    public func bind(to statement: Statement, at index: Int32) { statement.bind(index, self) }
}
extension Double: SQLBindable {
    public func bind(to statement: Statement, at index: Int32) { statement.bind(index, self) }
}
extension Bool: SQLBindable {
    public func bind(to statement: Statement, at index: Int32) { statement.bind(index, self) }
}
