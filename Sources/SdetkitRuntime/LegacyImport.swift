#if canImport(Glibc)
import Glibc
#endif
import SdetkitCore
import SdetkitEngine
import SdetkitStore

/// `agent history import`: appends the Python sdetkit 1.2.0's run records as runs of kind `import.python`,
/// through the one run pipeline (``Workspace/commit(_:startedMillis:notes:origin:)``, serialised by the
/// ``RunCoordinator``), in `captured_at` order (then file name). A file already imported (same record hash
/// or same file SHA-256) adds nothing; a malformed or tampered file is named and skipped, never half-imported
/// (each record is one append).
public enum LegacyImport {
    /// One imported file.
    public struct Imported: Sendable, Hashable {
        public var source: ImportSource
        public var seq: Int
        public var hash: String
        public var task: String

        public var json: JSONValue {
            ["file": .string(source.file), "sha256": .string(source.sha256), "record_hash": .string(source.recordHash),
             "captured_at": .string(source.capturedAt), "seq": .int(seq), "hash": .string(hash), "task": .string(task)]
        }
    }

    public struct Report: Sendable {
        /// The directory read, as shown.
        public var directory: String
        public var imported: [Imported] = []
        /// Files whose record is already in the history, as shown.
        public var alreadyImported: [String] = []
        public var skipped: [LegacyRecordProblem] = []

        /// 0 when nothing was skipped; else 3 if a skipped file was tampered with, 2 if only malformed ones were.
        public var exitStatus: ExitStatus {
            if skipped.contains(where: { $0.kind == .tampered }) { return .integrity }
            return skipped.isEmpty ? .ok : .usage
        }

        public var json: JSONValue {
            ["directory": .string(directory), "imported": .array(imported.map(\.json)),
             "already_imported": .array(alreadyImported.map { .string($0) }), "skipped": .array(skipped.map(\.json)),
             "exit_code": .int(Int(exitStatus.rawValue))]
        }

        public var summary: String {
            "imported \(imported.count) Python sdetkit record(s) from \(directory): \(alreadyImported.count) already imported, \(skipped.count) skipped"
        }
    }

    /// Imports the `<sha256>.json` files directly in `directory` (absolute) into `ws`'s history; `shownAs`
    /// names the directory in messages. A missing directory is an error only when `required`.
    ///
    /// The history directory of the repository's state is opened beneath the repository root with no link
    /// followed (a link on the way is the state error naming it); any other directory (`--from DIR`, the
    /// user's explicit input) is opened by its path. Either way each file is opened relative to the
    /// directory's descriptor with `O_NOFOLLOW`, and `import.lock` is taken beneath the root.
    public static func run(directory: String, shownAs: String, required: Bool, in ws: Workspace) async throws -> Report {
        let dir: Int32
        if Path.same(directory, ws.layout.historyDir) {
            guard let opened = try ws.store.stateRoot().openDirectoryIfPresent(StateLayout.relHistory) else {
                if !required && !FileSystem.exists(directory) { return Report(directory: shownAs) }
                throw SdetkitError("\(shownAs) is not a directory; give the Python sdetkit history directory with --from DIR", exit: .usage)
            }
            dir = opened
        } else {
            let opened = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard opened >= 0 else {
                if !required && !FileSystem.exists(directory) { return Report(directory: shownAs) }
                throw SdetkitError("\(shownAs) is not a directory; give the Python sdetkit history directory with --from DIR", exit: .usage)
            }
            dir = opened
        }
        defer { close(dir) }
        let names = LegacyHistory.recordFileNames(inDirectory: dir)
        if names.isEmpty { return Report(directory: shownAs) }
        try ws.store.ensureLayout()
        return try await RunCoordinator.shared(for: ws).exclusively {
            // One import at a time per history, so two importing processes never record a file twice.
            let lock = try FileLock(root: ws.store.stateRoot(), rel: StateLayout.relHistory + "/import.lock")
            defer { withExtendedLifetime(lock) {} }
            return try importLocked(names, directory: dir, shownAs: shownAs, in: ws)
        }
    }

    private static func importLocked(_ names: [String], directory: Int32, shownAs: String, in ws: Workspace) throws -> Report {
        var report = Report(directory: shownAs)
        let imported = try ws.store.importedLegacy()
        var records: [LegacyRecord] = []
        for name in names {
            let shown = Path.join(shownAs, name)
            switch Result(catching: { () throws(LegacyRecordProblem) in try LegacyRecord.read(name: name, in: directory, shownAs: shown) }) {
            case .success(let record):
                if imported.contains(record) { report.alreadyImported.append(shown) } else { records.append(record) }
            case .failure(let problem):
                report.skipped.append(problem)
            }
        }
        records.sort { ($0.capturedEpoch, $0.fileName) < ($1.capturedEpoch, $1.fileName) }
        for legacy in records {
            let run = legacy.runRecord()
            let result = try ws.commit(run, startedMillis: RunClock.monotonicMillis())
            report.imported.append(Imported(source: legacy.source, seq: result.entry?.seq ?? 0, hash: result.hash, task: run.task))
        }
        return report
    }
}
