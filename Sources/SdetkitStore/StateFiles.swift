#if canImport(Glibc)
import Glibc
#endif
import SdetkitCore

/// The store's own files, opened beneath the repository root with no symbolic link followed
/// (``BeneathRoot``): the ledger and its lock, record objects, the index directory. ``StateLayout/checkNoStateLinks()``
/// is the early, friendly check; these opens are what make it race-free (a link swapped in after the check is
/// refused too, naming it).
extension HistoryStore {
    static let relLedgerLock = StateLayout.relHistory + "/ledger.lock"

    /// The repository root held open (once per store).
    public func stateRoot() throws(SdetkitError) -> BeneathRoot {
        try rootHolder.withLock { (held: inout BeneathRoot?) throws(SdetkitError) -> BeneathRoot in
            if let held { return held }
            let root = try BeneathRoot(path: layout.repoRoot, walkComponents: walksComponents)
            held = root
            return root
        }
    }

    /// Creates `.sdetkit/agent/history/objects` (each missing directory, beneath the root); what it created.
    func createObjectDirectories() throws(SdetkitError) -> [String] {
        let root = try stateRoot()
        var created: [String] = []
        for rel in [StateLayout.relState, StateLayout.relAgent, StateLayout.relHistory, StateLayout.relObjects]
        where try root.createDirectory(rel) {
            created.append(layout.absolute(rel))
        }
        return created
    }

    /// The fan-out directory of `hash` (`objects/XX`), created when missing, opened with no link followed.
    func openFanOut(_ hash: String) throws(SdetkitError) -> Int32 {
        let root = try stateRoot()
        let objects = try root.openDirectory(StateLayout.relObjects)
        defer { close(objects) }
        let name = String(hash.prefix(2))
        let rel = StateLayout.relObjects + "/" + name
        var fd = BeneathRoot.walk(from: objects, name, flags: O_RDONLY | O_DIRECTORY, mode: 0)
        if fd == -ENOENT {
            try BeneathRoot.createDirectory(name, in: objects, shown: rel, root: root)
            fd = BeneathRoot.walk(from: objects, name, flags: O_RDONLY | O_DIRECTORY, mode: 0)
        }
        guard fd >= 0 else { throw root.error(-fd, rel, "cannot open") }
        return fd
    }

    /// Stores `bytes` as `<hash>.json` in the fan-out directory `dir` unless it is there; false when it was
    /// (its time is then freshened, so `history gc` leaves it alone). The name itself is never followed.
    @discardableResult
    func storeObject(_ bytes: [UInt8], hash: String, in dir: Int32, freshen: Bool = true) throws(SdetkitError) -> Bool {
        let name = hash + ".json"
        var st = stat()
        if fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 {
            if freshen { utimensat(dir, name, nil, AT_SYMLINK_NOFOLLOW) }
            return false
        }
        let shown = "\(StateLayout.relObjects)/\(hash.prefix(2))/\(name)"
        return try BeneathRoot.writeFile(bytes, named: name, in: dir, mode: 0o444, placement: .createOnly, shown: shown)
    }

    /// Whether `<hash>.json` is in the fan-out directory `dir` (a link there counts: it is never replaced).
    func objectExists(_ hash: String, in dir: Int32) -> Bool {
        var st = stat()
        return fstatat(dir, hash + ".json", &st, AT_SYMLINK_NOFOLLOW) == 0
    }

    /// A loose record's bytes, nil when there is no such file. A link on the way is an error naming it.
    func looseObjectBytes(_ hash: String) throws(SdetkitError) -> [UInt8]? {
        try stateRoot().readIfPresent("\(StateLayout.relObjects)/\(hash.prefix(2))/\(hash).json")
    }

    /// Every complete ledger line from `offset` (see ``Ledger/readLines(fd:path:from:)``).
    func readLedgerLines(from offset: Int = 0) throws -> (lines: [ArraySlice<UInt8>], end: Int) {
        guard let fd = try stateRoot().openIfPresent(StateLayout.relLedger, flags: O_RDONLY) else { return ([], 0) }
        defer { close(fd) }
        return try Ledger.readLines(fd: fd, path: layout.ledgerPath, from: offset)
    }

    /// The ledger's size, from a descriptor opened with no link followed; 0 when it does not exist.
    func ledgerSize() throws -> Int {
        guard let fd = try stateRoot().openIfPresent(StateLayout.relLedger, flags: O_RDONLY) else { return 0 }
        defer { close(fd) }
        var st = stat()
        return fstat(fd, &st) == 0 ? Int(st.st_size) : 0
    }

    /// The ledger lock, held until the returned lock is released.
    func lockLedger() throws(SdetkitError) -> FileLock {
        try FileLock(root: stateRoot(), rel: Self.relLedgerLock)
    }
}

extension HistoryStore {
    /// ``Ledger/entry(seq:fd:path:bytesRead:)`` on the ledger opened beneath the root; nil when there is none.
    func ledgerEntry(seq: Int, bytesRead: inout Int) throws -> LedgerEntry? {
        guard let fd = try stateRoot().openIfPresent(StateLayout.relLedger, flags: O_RDONLY) else { return nil }
        defer { close(fd) }
        return try Ledger.entry(seq: seq, fd: fd, path: layout.ledgerPath, bytesRead: &bytesRead)
    }
}

extension HistoryStore {
    /// The index connection: `.sdetkit/agent` opened beneath the root with no link followed, and SQLite given
    /// `/proc/self/fd/<that>/index.sqlite` (``SQLiteDatabase/open(name:inDirectory:)``). Where `/proc` is not
    /// there, by path, after the early link check (``StateLayout/checkNoStateLinks()``) the caller made.
    func openIndexDatabase(_ root: BeneathRoot, readOnly: Bool = false) throws -> SQLiteDatabase {
        let dir = try root.openDirectory(StateLayout.relAgent)
        if let db = try SQLiteDatabase.open(name: Path.basename(StateLayout.relIndex), inDirectory: dir, readOnly: readOnly) {
            return db
        }
        close(dir)
        return try SQLiteDatabase(path: layout.indexPath, readOnly: readOnly)
    }
}
