#if canImport(Glibc)
import Glibc
#endif
import SdetkitCore

/// What ``HistoryStore/collectGarbage(minimumAge:dryRun:now:)`` removed (or, with `dryRun`, would remove).
public struct GarbageReport: Sendable {
    public var dryRun: Bool
    public var minimumAge: Int
    /// Distinct unreferenced objects removed: loose files, and records dropped from rewritten packs.
    public var objects = 0
    /// Stale temp files removed.
    public var tempFiles = 0
    /// Unreferenced objects and temp files left in place because they are younger than `minimumAge`, or
    /// (temp files) the process that is writing them is alive.
    public var kept = 0
    public var bytes: Int64 = 0
    /// Repo-relative paths removed: loose objects, temp files, and the packs replaced.
    public var removed: [String] = []
    /// Packs rewritten without their unreferenced records (their old names).
    public var packsRewritten: [String] = []
    /// What `verify` reports; when there is any, no object was removed (an object an edited ledger no longer
    /// references is evidence, not garbage) — temp files still were.
    public var problems: [VerifyProblem] = []

    public var ok: Bool { problems.isEmpty }

    public var json: JSONValue {
        ["ok": .bool(ok), "dry_run": .bool(dryRun), "min_age_seconds": .int(minimumAge), "objects": .int(objects),
         "temp_files": .int(tempFiles), "kept": .int(kept), "bytes": .int(Int(bytes)),
         "packs_rewritten": .array(packsRewritten.map { .string($0) }), "removed": .array(removed.map { .string($0) }),
         "problems": .array(problems.map(\.json))]
    }
}

extension HistoryStore {
    /// The default `history gc` age: one hour. Nothing younger is removed, so a live writer's temp file and the
    /// record a running run has stored but not yet appended to the ledger are never touched.
    public static let defaultGarbageAge = 3600

    /// Removes the garbage an interrupted run leaves, as `git gc` removes unreachable loose objects:
    ///
    /// - record objects (loose, or inside a pack) whose bytes hash to their name but that no ledger entry
    ///   references — only while holding the ledger lock (no entry is appended meanwhile), only when `verify`
    ///   reports no problem, and only when at least `minimumAge` seconds old. A pack holding one is rewritten
    ///   without it (new pack first, then the old one removed);
    /// - sdetkit's temp files (`.<name>.tmp-<pid>-<n>`, as ``FileSystem/writeAtomically(_:to:mode:directorySyncs:)``
    ///   and ``AtomicStreamWriter`` name them) in the state directories, at least `minimumAge` seconds old and
    ///   whose writer process is gone. Nothing else, and no symbolic link is followed.
    public func collectGarbage(minimumAge: Int = HistoryStore.defaultGarbageAge, dryRun: Bool = false,
                               now: Int? = nil) throws -> GarbageReport {
        let now = now ?? Int(time(nil))
        var report = GarbageReport(dryRun: dryRun, minimumAge: minimumAge)
        func oldEnough(_ st: stat) -> Bool { now - Int(st.st_mtim.tv_sec) >= minimumAge }
        func rel(_ path: String) -> String { layout.relative(path) ?? path }

        if FileSystem.isDirectory(layout.historyDir), !FileSystem.isSymlink(layout.historyDir) {
            let lock = try lockLedger()
            defer { withExtendedLifetime(lock) {} }
            let verified = try verify()
            if !verified.ok {
                report.problems = verified.problems
            } else {
                let garbage = verified.unreferencedObjects
                var removedObjects = Set<SHA256Value>()
                let root = try stateRoot()
                for hash in garbage.loose {
                    guard let (size, removable) = try collectLooseObject(hash.hex, remove: !dryRun, if: oldEnough) else { continue }
                    guard removable else { report.kept += 1; continue }
                    removedObjects.insert(hash)
                    report.bytes += size
                    report.removed.append(rel(objectPath(hash.hex)))
                }
                let packDir = try root.openDirectoryIfPresent(Self.relPackDirectory)
                defer { if let packDir { close(packDir) } }
                for pack in try packs(in: packDir) {
                    guard let packDir, let drop = garbage.packed[pack.name], !drop.isEmpty else { continue }
                    guard let st = BeneathRoot.statEntry(pack.name + ".records", in: packDir) else { continue }
                    guard oldEnough(st) else { report.kept += drop.count; continue }
                    let dropSet = Set(drop)
                    let entries = RecordPack.parseIndex(try root.readFile(pack.name + ".idx", in: packDir, shown: pack.rel(".idx"))).entries
                    let bytes = try root.readFile(pack.name + ".records", in: packDir, shown: pack.rel(".records"))
                    var keep: [(hash: SHA256Value, bytes: [UInt8])] = []
                    var dropped: Int64 = 0
                    for e in entries {
                        guard e.offset >= 0, e.length >= 0, e.offset + e.length <= bytes.count else { continue }
                        if dropSet.contains(e.hash) {
                            dropped += Int64(e.length + 1)
                        } else {
                            keep.append((e.hash, Array(bytes[e.offset..<(e.offset + e.length)])))
                        }
                    }
                    if !dryRun {
                        // The replacement is durable before the old pack goes: a crash in between leaves duplicates.
                        if let name = try writePack(keep), name == pack.name { continue }
                        try removePack(pack)
                    }
                    removedObjects.formUnion(dropSet)
                    report.bytes += dropped
                    report.packsRewritten.append(pack.name)
                    report.removed += [rel(pack.indexPath), rel(pack.recordsPath)]
                }
                report.objects = removedObjects.count
                if !dryRun, !garbage.loose.isEmpty, let objects = try root.openDirectoryIfPresent(StateLayout.relObjects) {
                    fsync(objects)
                    close(objects)
                }
            }
        }

        let me = getpid()
        let root = try stateRoot()
        for (dir, recursive) in try temporaryFileDirectories(root) {
            // A link on the way is an error naming it; a directory that is not there (or unreadable) is skipped.
            guard let fd = try root.openDirectoryIfPresent(dir) else { continue }
            defer { close(fd) }
            try Self.walk(fd, dir, recursive: recursive, depth: 0, root: root) { dirFD, path, name, st in
                guard let pid = Self.temporaryFileWriter(name) else { return }
                guard oldEnough(st), pid != me, !Self.processIsAlive(pid) else { report.kept += 1; return }
                if !dryRun { unlinkat(dirFD, name, 0) }
                report.tempFiles += 1
                report.bytes += Int64(st.st_size)
                report.removed.append(path)
            }
        }
        return report
    }

    /// The directories `gc` looks for temp files in (repo-relative), and whether below them too.
    func temporaryFileDirectories(_ root: BeneathRoot) throws(SdetkitError) -> [(String, Bool)] {
        var dirs: [(String, Bool)] = [(StateLayout.relState, false), (StateLayout.relAgent, false), (StateLayout.relHistory, false),
                                      (StateLayout.relObjects, false), (Self.relPackDirectory, false)]
        if let objects = try root.openDirectoryIfPresent(StateLayout.relObjects) {
            for name in BeneathRoot.list(objects).sorted() where name.utf8.count == 2 {
                dirs.append(("\(StateLayout.relObjects)/\(name)", false))
            }
            close(objects)
        }
        dirs += [(StateLayout.relWorkdir, true), (StateLayout.relTemplateRuns, true), (StateLayout.relCache, true)]
        return dirs
    }

    /// The writer's process id when `name` is one of sdetkit's temp-file names, `.<name>.tmp-<pid>-<number>`.
    static func temporaryFileWriter(_ name: String) -> pid_t? {
        let b = Array(name.utf8)
        let marker = Array(".tmp-".utf8)
        guard b.first == UInt8(ascii: "."), b.count > marker.count + 5 else { return nil }
        // The last ".tmp-" (the target's own name may contain one), after at least one name byte.
        var at = b.count - marker.count
        while at >= 2, Array(b[at..<(at + marker.count)]) != marker { at -= 1 }
        guard at >= 2 else { return nil }
        let parts = b[(at + marker.count)...].split(separator: UInt8(ascii: "-"), omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.count <= 10 && $0.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }),
              let pid = pid_t(String(decoding: parts[0], as: UTF8.self)), pid > 0 else { return nil }
        return pid
    }

    static func processIsAlive(_ pid: pid_t) -> Bool { kill(pid, 0) == 0 || errno == EPERM }

    /// Regular files in the directory `dirFD` (repo-relative `dir`) and, with `recursive`, below it: each
    /// subdirectory opened relative to its parent with `O_NOFOLLOW`, so no symbolic link is followed (one
    /// swapped in for a subdirectory is an error naming it). `body` gets the file's directory descriptor.
    static func walk(_ dirFD: Int32, _ dir: String, recursive: Bool, depth: Int, root: BeneathRoot,
                     _ body: (Int32, String, String, stat) -> Void) throws(SdetkitError) {
        for name in BeneathRoot.list(dirFD).sorted() {
            let path = "\(dir)/\(name)"
            guard let st = BeneathRoot.statEntry(name, in: dirFD) else { continue }
            switch st.st_mode & S_IFMT {
            case S_IFREG: body(dirFD, path, name, st)
            case S_IFDIR where recursive && depth < 64:
                let sub = walkOpen(dirFD, name)
                guard sub >= 0 else {
                    // Swapped for a link since it was looked at: an error naming it. Gone or unreadable: skipped.
                    if sub == -ELOOP { throw root.error(ELOOP, path, "cannot open") }
                    continue
                }
                defer { close(sub) }
                try walk(sub, path, recursive: true, depth: depth + 1, root: root, body)
            default: continue
            }
        }
    }

    /// `name` in `dirFD` opened as a directory with no link followed; the descriptor or -errno (-ELOOP: a link).
    static func walkOpen(_ dirFD: Int32, _ name: String) -> Int32 {
        BeneathRoot.walk(from: dirFD, name, flags: O_RDONLY | O_DIRECTORY, mode: 0)
    }

    /// Removes the loose object `hash` with `unlinkat` in its fan-out directory, opened beneath the root with no
    /// link followed (a link swapped in for it is an error naming it), when it is a regular file for which
    /// `oldEnough` holds (`remove` false: a dry run). Nil when it is not there (or not a regular file); else
    /// its size and whether it was old enough.
    func collectLooseObject(_ hash: String, remove: Bool, if oldEnough: (stat) -> Bool) throws(SdetkitError) -> (Int64, Bool)? {
        let fan = "\(StateLayout.relObjects)/\(hash.prefix(2))"
        guard let dir = try stateRoot().openDirectoryIfPresent(fan) else { return nil }
        defer { close(dir) }
        let name = hash + ".json"
        guard let st = BeneathRoot.statEntry(name, in: dir), (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        guard oldEnough(st) else { return (Int64(st.st_size), false) }
        if remove { unlinkat(dir, name, 0) }
        return (Int64(st.st_size), true)
    }

    /// Removes both files of `pack` (its `.idx` first: a pack is listed by it) with `unlinkat` in the pack
    /// directory opened beneath the root with no link followed, then syncs that directory.
    func removePack(_ pack: RecordPack) throws(SdetkitError) {
        guard let dir = try stateRoot().openDirectoryIfPresent(Self.relPackDirectory) else { return }
        defer { close(dir) }
        unlinkat(dir, pack.name + ".idx", 0)
        unlinkat(dir, pack.name + ".records", 0)
        fsync(dir)
    }
}
