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
                for hash in garbage.loose {
                    let path = objectPath(hash.hex)
                    var st = stat()
                    guard lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { continue }
                    guard oldEnough(st) else { report.kept += 1; continue }
                    if !dryRun { FileSystem.remove(path) }
                    removedObjects.insert(hash)
                    report.bytes += Int64(st.st_size)
                    report.removed.append(rel(path))
                }
                for pack in packs() {
                    guard let drop = garbage.packed[pack.name], !drop.isEmpty else { continue }
                    var st = stat()
                    guard lstat(pack.recordsPath, &st) == 0 else { continue }
                    guard oldEnough(st) else { report.kept += drop.count; continue }
                    let dropSet = Set(drop)
                    let entries = RecordPack.parseIndex(try FileSystem.readBytes(pack.indexPath)).entries
                    let bytes = try FileSystem.readBytes(pack.recordsPath)
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
                        FileSystem.remove(pack.indexPath)  // unlisted first: a pack is listed by its .idx
                        FileSystem.remove(pack.recordsPath)
                        FileSystem.syncDirectory(packDirectory)
                    }
                    removedObjects.formUnion(dropSet)
                    report.bytes += dropped
                    report.packsRewritten.append(pack.name)
                    report.removed += [rel(pack.indexPath), rel(pack.recordsPath)]
                }
                report.objects = removedObjects.count
                if !dryRun, !garbage.loose.isEmpty { FileSystem.syncDirectory(layout.objectsDir) }
            }
        }

        let me = getpid()
        for (dir, recursive) in temporaryFileDirectories() {
            Self.walk(dir, recursive: recursive, depth: 0) { path, name, st in
                guard let pid = Self.temporaryFileWriter(name) else { return }
                guard oldEnough(st), pid != me, !Self.processIsAlive(pid) else { report.kept += 1; return }
                if !dryRun { FileSystem.remove(path) }
                report.tempFiles += 1
                report.bytes += Int64(st.st_size)
                report.removed.append(rel(path))
            }
        }
        return report
    }

    /// The directories `gc` looks for temp files in, and whether below them too.
    func temporaryFileDirectories() -> [(String, Bool)] {
        var dirs: [(String, Bool)] = [(layout.stateDir, false), (layout.agentDir, false), (layout.historyDir, false),
                                      (layout.objectsDir, false), (packDirectory, false)]
        for name in FileSystem.list(layout.objectsDir).sorted() where name.utf8.count == 2 {
            dirs.append(("\(layout.objectsDir)/\(name)", false))
        }
        dirs += [(layout.workdir, true), (layout.templateRunsDir, true), (layout.cacheDir, true)]
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

    /// Regular files in `dir` (and, with `recursive`, below it), never through a symbolic link.
    static func walk(_ dir: String, recursive: Bool, depth: Int, _ body: (String, String, stat) -> Void) {
        var dst = stat()
        guard lstat(dir, &dst) == 0, (dst.st_mode & S_IFMT) == S_IFDIR else { return }
        for name in FileSystem.list(dir).sorted() {
            let path = "\(dir)/\(name)"
            var st = stat()
            guard lstat(path, &st) == 0 else { continue }
            switch st.st_mode & S_IFMT {
            case S_IFREG: body(path, name, st)
            case S_IFDIR where recursive && depth < 64: walk(path, recursive: true, depth: depth + 1, body)
            default: continue
            }
        }
    }
}
