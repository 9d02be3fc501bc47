import CSQLite
import SdetkitCore

extension HistoryStore {
    /// Runs SQLite's `PRAGMA integrity_check` on the history index over a connection of its own (read-only).
    /// Returns nil when the index is sound or does not exist yet (it is derived: the next run builds it),
    /// else what SQLite found, its first problems joined. The index is never modified here.
    public func indexIntegrityProblem(limit: Int = 3) -> String? {
        guard FileSystem.exists(layout.indexPath) else { return nil }
        do {
            let db = try openIndexDatabase(stateRoot(), readOnly: true)
            let stmt = try db.prepare("PRAGMA integrity_check(\(max(1, limit)))")
            var rows: [String] = []
            while try stmt.step() { rows.append(stmt.string(0)) }
            if rows == ["ok"] { return nil }
            let lines = rows.flatMap { $0.split(whereSeparator: \.isNewline).map(String.init) }
                .filter { $0 != "*** in database main ***" }
            return lines.isEmpty ? "integrity_check returned nothing" : lines.joined(separator: "; ")
        } catch let error as SQLiteError {
            return error.detail
        } catch {
            return "\(error)"
        }
    }
}
