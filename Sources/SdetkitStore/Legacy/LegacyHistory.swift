#if canImport(Glibc)
import Glibc
#endif
import SdetkitCore

/// The run records the Python sdetkit 1.2.0 left in `.sdetkit/agent/history/<sha256>.json` (beside this
/// tool's `objects/` and `ledger.jsonl`), and which of them are imported (runs of kind ``kind``).
public enum LegacyHistory {
    /// The kind of an imported Python sdetkit run.
    public static let kind = "import.python"
    /// What imports them.
    public static let importCommand = "sdetkit agent history import"

    /// True for `<64 lower-case hex>.json`, the name Python sdetkit gives a record.
    public static func isRecordFileName(_ name: String) -> Bool {
        name.utf8.count == 69 && name.hasSuffix(".json") && Digest.isHex64(String(name.dropLast(5)))
    }

    /// The record file names directly in `directory`, sorted (a directory listing; no file is read).
    public static func recordFileNames(in directory: String) -> [String] {
        FileSystem.list(directory).filter(isRecordFileName).sorted()
    }

    /// The record file names directly in the directory held open as `dirFD`, sorted (no path resolved).
    public static func recordFileNames(inDirectory dirFD: Int32) -> [String] {
        BeneathRoot.list(dirFD).filter(isRecordFileName).sorted()
    }

    /// `note: …` naming how many legacy records in `directory` (as shown) are not imported, and the command.
    public static func note(pending: Int, directory: String) -> String {
        "note: \(pending) Python sdetkit record\(pending == 1 ? "" : "s") in \(directory) \(pending == 1 ? "is" : "are") not imported; run '\(importCommand)'"
    }
}

/// What the imported runs of a history came from.
public struct ImportedLegacy: Sendable, Hashable {
    /// The Python tool's record hashes (their file names).
    public var recordHashes: Set<String> = []
    /// SHA-256 of the imported files' bytes.
    public var fileDigests: Set<String> = []

    public init() {}

    public func contains(_ record: LegacyRecord) -> Bool {
        recordHashes.contains(record.recordHash) || fileDigests.contains(record.fileSHA256)
    }
}

extension HistoryStore {
    /// The sources of every run of kind ``LegacyHistory/kind``: from the index, then their records.
    public func importedLegacy() throws -> ImportedLegacy {
        let hashes = try withIndex { db -> [String] in
            let s = try db.prepare("SELECT DISTINCT hash FROM runs WHERE kind = ?")
            s.bindAll([LegacyHistory.kind])
            var out: [String] = []
            while try s.step() { out.append(s.string(0)) }
            return out
        }
        var found = ImportedLegacy()
        for hash in hashes {
            guard let source = try record(hash: hash).imported else { continue }
            found.recordHashes.insert(source.recordHash)
            found.fileDigests.insert(source.sha256)
        }
        return found
    }

    /// The Python sdetkit record file names directly in the history directory, listed from a descriptor opened
    /// beneath the repository root with no link followed: empty when there is no history directory, the state
    /// error naming the link when one is on the way (``BeneathRoot/openDirectoryIfPresent(_:)``).
    public func legacyRecordFileNames() throws(SdetkitError) -> [String] {
        guard let dir = try stateRoot().openDirectoryIfPresent(StateLayout.relHistory) else { return [] }
        defer { close(dir) }
        return LegacyHistory.recordFileNames(inDirectory: dir)
    }

    /// How many Python sdetkit record files directly in the history directory are not imported. A
    /// directory listing only, unless there are such files: then the imported runs' records are read too.
    public func legacyRecordsNotImported() throws -> Int {
        let names = try legacyRecordFileNames()
        if names.isEmpty { return 0 }
        let imported = try importedLegacy()
        return names.filter { !imported.recordHashes.contains(String($0.dropLast(5))) }.count
    }

    /// ``LegacyHistory/note(pending:directory:)`` for the history directory, or nil when nothing is pending
    /// (or the history cannot be read: the command's own result says so).
    public func legacyNote() -> String? {
        guard let pending = try? legacyRecordsNotImported(), pending > 0 else { return nil }
        return LegacyHistory.note(pending: pending, directory: StateLayout.relHistory)
    }
}
