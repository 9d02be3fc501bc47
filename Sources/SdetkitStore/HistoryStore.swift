#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import SdetkitCore

/// The history of runs: immutable content-addressed record objects, an append-only hash-chained ledger,
/// and a derived SQLite index that is caught up (or rebuilt) automatically.
///
/// Safe for concurrent callers: across processes the ledger append holds an exclusive file lock and the
/// index uses SQLite's own locking; within a process the index connection is guarded by a mutex.
public final class HistoryStore: Sendable {
    public let layout: StateLayout
    let ledger: Ledger
    let connection = Mutex<SQLiteDatabase?>(nil)
    let packCache = PackCache()
    /// The repository root held open for link-free opens of the state (``stateRoot()``).
    let rootHolder = Mutex<BeneathRoot?>(nil)
    /// Open state files by walking components with O_NOFOLLOW instead of openat2 (what old kernels get; tests).
    let walksComponents: Bool

    public convenience init(layout: StateLayout) { self.init(layout: layout, walkComponents: false) }

    /// `walkComponents`: resolve state paths as a kernel without openat2 does (``BeneathRoot``); for tests.
    init(layout: StateLayout, walkComponents: Bool) {
        self.layout = layout
        self.ledger = Ledger(path: layout.ledgerPath, lockPath: layout.ledgerLockPath)
        self.walksComponents = walkComponents
    }

    /// Creates `history/` and `history/objects/` when missing. Returns what it created.
    @discardableResult
    public func ensureLayout() throws -> [String] {
        try layout.checkNoStateLinks()
        try layout.ensureStateDirectory()
        return try createObjectDirectories()
    }

    public func objectPath(_ hash: String) -> String {
        "\(layout.objectsDir)/\(hash.prefix(2))/\(hash).json"
    }

    // MARK: - Writing

    /// Stores the record (if new) and appends a ledger entry for this run. Two identical runs share one
    /// object and get two entries. The index is updated afterwards; a failure there never loses the run.
    @discardableResult
    public func append(record: RunRecord, observation: RunObservation) throws -> LedgerEntry {
        try ensureLayout()
        let bytes = record.canonicalBytes
        let hash = Digest.sha256Hex(bytes)
        // objects/XX opened beneath the root with no link followed; the object is written relative to it.
        let dir = try openFanOut(hash)
        defer { close(dir) }
        // An identical record may already exist, maybe left unreferenced by an interrupted run: it is then
        // freshened, so `history gc` (which removes only objects older than its age) leaves it alone.
        try storeObject(bytes, hash: hash, in: dir)
        let (entry, start, end) = try ledger.appendLocated(root: try stateRoot()) { seq, prev in
            // Under the ledger lock, which `history gc` holds while it removes objects: the record must
            // still be there when its entry is written.
            if !objectExists(hash, in: dir) { _ = try? storeObject(bytes, hash: hash, in: dir, freshen: false) }
            return LedgerEntry(seq: seq, hash: hash, observation: observation, prev: prev)
        }
        try? indexAppended(entry, record: record, start: start, end: end)
        autoPack(from: entry.seq, to: entry.seq)
        return entry
    }

    // MARK: - Reading records

    /// A record's bytes: from its loose file, else from a pack (a record may be packed between the two looks).
    public func recordBytes(hash: String) throws -> [UInt8] {
        if let bytes = try looseObjectBytes(hash) { return bytes }
        if let value = SHA256Value(hex: hash), let bytes = packCache.recordBytes(value, in: self) { return bytes }
        throw SdetkitError("record \(hash) is missing from \(StateLayout.relObjects); run 'sdetkit agent history verify'", exit: .integrity)
    }

    public func record(hash: String) throws -> RunRecord {
        let bytes = try recordBytes(hash: hash)
        guard let json = try? JSONParser.parse(bytes: bytes) else {
            throw SdetkitError("record \(hash) is not valid JSON; run 'sdetkit agent history verify'", exit: .integrity)
        }
        return try RunRecord(json: json)
    }

    /// Every complete ledger entry, in file order. Malformed lines are skipped (verify reports them).
    public func ledgerEntries() throws -> [LedgerEntry] {
        try readLedgerLines().lines.compactMap { LedgerEntry(line: $0) }
    }

    /// One entry by sequence number: a binary search over the ledger (a few reads), falling back to a scan only
    /// when that does not find it (a ledger whose order was changed; `verify` reports it).
    public func ledgerEntry(seq: Int) throws -> LedgerEntry? {
        var read = 0
        if let found = try ledgerEntry(seq: seq, bytesRead: &read) { return found }
        return try ledgerEntries().first { $0.seq == seq }
    }

    // MARK: - Index

    /// Runs `body` with the index connection after catching the index up with the ledger.
    public func withIndex<T>(known: [String: RunRecord] = [:], _ body: (SQLiteDatabase) throws -> T) throws -> T {
        try connection.withLock { conn in
            if conn == nil { conn = try openIndex() }
            let db = conn!
            try catchUp(db, known: known)
            return try body(db)
        }
    }

    /// Indexes an entry this store just appended from memory (its record and entry are at hand) when the index
    /// had consumed the ledger exactly up to it; otherwise catches up from the ledger as any reader would.
    func indexAppended(_ entry: LedgerEntry, record: RunRecord, start: Int, end: Int) throws {
        try connection.withLock { conn in
            if conn == nil { conn = try openIndex() }
            let db = conn!
            let direct = try db.transaction { () throws -> Bool in
                let m = try meta(db)
                let entries = Int(m["entries"] ?? "0") ?? 0
                guard Int(m["ledger_offset"] ?? "") == start, (m["ledger_head"] ?? LedgerEntry.genesis) == entry.prev,
                      entries == entry.seq - 1 else { return false }
                try IndexSchema.Writer(db: db).insert(entry: entry, record: record)
                // The same meta as a catch-up over this one entry (which links to the head by construction).
                let witness = m["discontinuity"] ?? ""
                let chainOK = (m["chain_ok"] ?? "1") == "1" && witness.isEmpty
                let problem = m["first_problem"] ?? ""
                try setMeta(db, ["ledger_offset": String(end), "ledger_head": entry.chain, "entries": String(entries + 1),
                                 "chain_ok": chainOK ? "1" : "0", "first_problem": problem.isEmpty ? witness : problem,
                                 "discontinuity": witness])
                return true
            }
            if !direct { try catchUp(db, known: [entry.hash: record]) }
        }
    }

    /// Opens (creating it if needed) the index connection now, so that a later ``withIndex(known:_:)`` does
    /// not pay for it; for callers that have other work to overlap it with. Errors are left for that call.
    public func openIndexEarly() {
        try? connection.withLock { conn in
            if conn == nil { conn = try openIndex() }
        }
    }

    func openIndex() throws -> SQLiteDatabase {
        try layout.checkNoStateLinks()
        try layout.ensureStateDirectory()
        let root = try stateRoot()
        try root.createDirectory(StateLayout.relAgent)
        let db = try openIndexDatabase(root)
        try db.execute(IndexSchema.create)
        let stmt = try db.prepare("SELECT value FROM meta WHERE key='schema'")
        let schema = try stmt.step() ? stmt.string(0) : nil
        if schema != IndexSchema.version {
            try db.transaction {
                try db.execute("DELETE FROM runs; DELETE FROM run_actions; DELETE FROM meta;")
                try setMeta(db, ["schema": IndexSchema.version, "ledger_offset": "0", "ledger_head": LedgerEntry.genesis, "entries": "0"])
            }
        }
        return db
    }

    func meta(_ db: SQLiteDatabase) throws -> [String: String] {
        let s = try db.prepare("SELECT key, value FROM meta")
        var out: [String: String] = [:]
        while try s.step() { out[s.string(0)] = s.string(1) }
        return out
    }

    func setMeta(_ db: SQLiteDatabase, _ values: [String: String]) throws {
        let s = try db.prepare("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)")
        for (k, v) in values.sorted(by: { $0.key < $1.key }) {
            s.reset()
            s.bindAll([k, v])
            try s.run()
        }
    }

    /// Brings the index up to the ledger: appends new entries, or rebuilds when the ledger no longer
    /// continues what the index saw (rewritten, truncated, or a different file).
    func catchUp(_ db: SQLiteDatabase, known: [String: RunRecord], force: Bool = false) throws {
        let size = try ledgerSize()
        if !force, let m = try? meta(db), Int(m["ledger_offset"] ?? "") == size { return }
        try db.transaction {
            // Re-read both under SQLite's write lock: another process may have caught the index up meanwhile.
            let size = try ledgerSize()
            let m = try meta(db)
            var offset = Int(m["ledger_offset"] ?? "0") ?? 0
            var head = m["ledger_head"] ?? LedgerEntry.genesis
            var entries = Int(m["entries"] ?? "0") ?? 0
            if !force && offset == size { return }
            var (lines, end) = try readLedgerLines(from: force || size < offset ? 0 : offset)
            let continues = !force && size >= offset && (lines.first.flatMap { LedgerEntry(line: $0) }?.prev ?? head) == head
            var witness = force ? "" : (m["discontinuity"] ?? "")
            if !continues {
                if !force && entries > 0 && witness.isEmpty {
                    // Keep the evidence: the ledger no longer continues what the index saw.
                    witness = "the index had seen \(entries) entries ending in chain \(head.prefix(16)); the ledger no longer continues them (entries were removed or rewritten)"
                }
                try db.execute("DELETE FROM runs; DELETE FROM run_actions;")
                (lines, end) = try readLedgerLines(from: 0)
                offset = 0
                head = LedgerEntry.genesis
                entries = 0
            }
            let writer = try IndexSchema.Writer(db: db)
            var cache = known
            var chainOK = continues ? (m["chain_ok"] ?? "1") == "1" : true
            var problem = continues ? (m["first_problem"] ?? "") : ""
            func flag(_ p: String) { if chainOK { problem = p }; chainOK = false }
            for line in lines {
                guard let entry = LedgerEntry(line: line) else { flag("malformed ledger line after entry \(entries)"); continue }
                // Incremental integrity: every entry is checked once, when it is indexed.
                if entry.prev != head || entry.computedChain != entry.chain || entry.seq != entries + 1 {
                    flag("ledger chain breaks at sequence \(entry.seq)")
                }
                let record: RunRecord
                if let r = cache[entry.hash] {
                    record = r
                } else if let bytes = try? recordBytes(hash: entry.hash), let json = try? JSONParser.parse(bytes: bytes),
                          let r = try? RunRecord(json: json) {
                    if Digest.sha256Hex(bytes) != entry.hash { flag("record of sequence \(entry.seq) does not match its hash") }
                    record = r
                    if cache.count < 4096 { cache[entry.hash] = r }
                } else {
                    flag("record of sequence \(entry.seq) is missing or unreadable")
                    record = RunRecord(kind: "unknown", task: "(record missing)", planner: "none", steps: [], actions: [],
                                       status: .failed, configDigest: "", repo: RepoState(head: nil, branch: nil, dirty: false),
                                       provider: "none")
                }
                try writer.insert(entry: entry, record: record)
                head = entry.chain
                entries += 1
            }
            try setMeta(db, ["ledger_offset": String(end), "ledger_head": head, "entries": String(entries),
                             "chain_ok": chainOK && witness.isEmpty ? "1" : "0",
                             "first_problem": problem.isEmpty ? witness : problem, "discontinuity": witness])
        }
    }

    /// Drops and rebuilds the index from ledger + records. Returns the number of entries indexed.
    @discardableResult
    ///
    /// The index is derived: a damaged one (SQLite reports corruption, or `integrity_check` fails, or the file
    /// is not a database at all) is deleted and built again from the ledger and the records.
    public func reindex() throws -> Int {
        try connection.withLock { conn in
            func rebuild() throws -> Int {
                if conn == nil { conn = try openIndex() }
                try catchUp(conn!, known: [:], force: true)
                return Int(try meta(conn!)["entries"] ?? "0") ?? 0
            }
            if conn == nil, indexIntegrityProblem() != nil { try removeIndexFiles() }
            do {
                return try rebuild()
            } catch let e as SQLiteError where e.isDamage {
                conn = nil
                try removeIndexFiles()
                return try rebuild()
            }
        }
    }

    /// Deletes the index database and its WAL and shared-memory files (never anything else), relative to
    /// `.sdetkit/agent` opened with no link followed.
    func removeIndexFiles() throws {
        guard let dir = try stateRoot().openIfPresent(StateLayout.relAgent, flags: O_RDONLY | O_DIRECTORY) else { return }
        defer { close(dir) }
        for suffix in ["", "-wal", "-shm"] {
            guard unlinkat(dir, Path.basename(StateLayout.relIndex) + suffix, 0) == 0 || errno == ENOENT else {
                throw SdetkitError.io("cannot remove the damaged history index", path: layout.indexPath + suffix, errno: errno)
            }
        }
    }

    /// Integrity as maintained incrementally by the index: every ledger entry's chain link and every
    /// record's hash were checked once, when indexed. Cheap at any history size; `verify()` re-checks all.
    public func integrity() throws -> (verified: Bool, entries: Int, head: String, problem: String?) {
        try withIndex { db in
            let m = try meta(db)
            let ok = (m["chain_ok"] ?? "1") == "1"
            return (ok, Int(m["entries"] ?? "0") ?? 0, m["ledger_head"] ?? LedgerEntry.genesis, ok ? nil : m["first_problem"])
        }
    }

    /// What the index last recorded (entries, head, a recorded discontinuity), without catching up.
    /// Nil when there is no index yet.
    public func indexedState() -> (entries: Int, head: String, discontinuity: String)? {
        guard FileSystem.exists(layout.indexPath) else { return nil }
        return try? connection.withLock { conn -> (Int, String, String)? in
            if conn == nil { conn = try openIndex() }
            let m = try meta(conn!)
            return (Int(m["entries"] ?? "0") ?? 0, m["ledger_head"] ?? LedgerEntry.genesis, m["discontinuity"] ?? "")
        }
    }
}
