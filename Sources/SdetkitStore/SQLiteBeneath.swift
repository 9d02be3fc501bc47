#if canImport(Glibc)
import Glibc
#endif
import CSQLite
import SdetkitCore

/// Opening the index relative to a directory descriptor instead of by path, so that no symbolic link swapped
/// into `.sdetkit/agent` (or above it) after the directory was opened is followed.
///
/// SQLite is given `/proc/self/fd/<dir>/<name>`: the kernel goes straight from that magic link to the directory
/// the descriptor holds, and SQLite derives the `-wal`, `-shm` and `-journal` names from it, so they land in the
/// same directory. SQLite's "unix" VFS opens every file with `O_NOFOLLOW` already (the last component is never
/// followed), but its full-pathname step would resolve `/proc/self/fd/<dir>` textually back into a path (and,
/// with `SQLITE_OPEN_NOFOLLOW`, refuse it as a link): the copy registered as ``BeneathVFS/name`` keeps such a
/// name as it is and is otherwise the unix VFS.
enum BeneathVFS {
    static let name = "sdetkit-beneath"
    static let prefix = "/proc/self/fd/"

    typealias FullPathname = @convention(c) (UnsafeMutablePointer<sqlite3_vfs>?, UnsafePointer<CChar>?, Int32,
                                             UnsafeMutablePointer<CChar>?) -> Int32

    /// The unix VFS's own full-pathname function (set once, before the copy is registered).
    nonisolated(unsafe) static var unixFullPathname: FullPathname?

    /// Whether `path` is `/proc/self/fd/<digits>/<something>`.
    static func isBeneathName(_ path: UnsafePointer<CChar>) -> Bool {
        guard strncmp(path, prefix, 14) == 0 else { return false }
        var p = path + 14
        var digits = 0
        while p.pointee >= 0x30 && p.pointee <= 0x39 { p += 1; digits += 1 }
        return digits > 0 && p.pointee == 0x2F && (p + 1).pointee != 0
    }

    /// Registers the copy once; false when there is no unix VFS to copy (then callers open by path).
    static let registered: Bool = {
        guard let unix = sqlite3_vfs_find("unix"), let full = unix.pointee.xFullPathname else { return false }
        unixFullPathname = full
        let vfs = UnsafeMutablePointer<sqlite3_vfs>.allocate(capacity: 1)  // registered for the process' lifetime
        vfs.initialize(to: unix.pointee)
        vfs.pointee.pNext = nil
        vfs.pointee.zName = UnsafePointer(strdup(name))
        vfs.pointee.xFullPathname = { vfs, path, size, out in
            if let path, let out, BeneathVFS.isBeneathName(path) {
                let n = strlen(path)
                guard n < Int(size) else { return SQLITE_CANTOPEN }
                memcpy(out, path, n + 1)
                return SQLITE_OK
            }
            return BeneathVFS.unixFullPathname!(vfs, path, size, out)
        }
        return sqlite3_vfs_register(vfs, 0) == SQLITE_OK
    }()
}

extension SQLiteDatabase {
    /// Opens (creating it) the database `name` in the directory `directory` (a descriptor, which the connection
    /// takes over and closes with itself, or at once when the open fails) through `/proc/self/fd`, with no link followed on the way or at the
    /// last component. Nil when that is not available (no `/proc`, no unix VFS): callers then open by path.
    static func open(name: String, inDirectory directory: Int32, readOnly: Bool = false) throws(SQLiteError) -> SQLiteDatabase? {
        guard BeneathVFS.registered, FileSystem.descriptorPath(directory) != nil else { return nil }
        let db: SQLiteDatabase
        do {
            db = try SQLiteDatabase(path: "\(BeneathVFS.prefix)\(directory)/\(name)", readOnly: readOnly,
                                    vfs: BeneathVFS.name, flags: SQLITE_OPEN_NOFOLLOW)
        } catch {
            close(directory)
            throw error
        }
        db.heldDirectory = directory
        return db
    }

    /// The file name SQLite uses for the main database.
    var fileName: String { sqlite3_db_filename(handle, "main").map { String(cString: $0) } ?? "" }
}
