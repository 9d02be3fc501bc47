#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Directories whose entries (renamed-in files) still need an fsync, collected so that a run syncs each
/// directory once, before the run that lists the files is recorded — as git syncs a batch of objects
/// before the ref that names them. File contents are always synced before their rename; only the
/// directory sync is deferred. Safe for concurrent callers.
public final class DirectorySyncs: Sendable {
    private let pending = Mutex<Set<String>>([])

    public init() {}

    /// Notes that `directory` (absolute) has a new entry to make durable.
    public func note(_ directory: String) {
        _ = pending.withLock { $0.insert(directory) }
    }

    /// Whether any directory is waiting for its sync.
    public var isEmpty: Bool { pending.withLock { $0.isEmpty } }

    /// Syncs every noted directory once. A directory that cannot be synced stays noted and is reported.
    public func flush() throws(SdetkitError) {
        let dirs = pending.withLock { set -> Set<String> in
            let taken = set
            set.removeAll()
            return taken
        }
        var failed: [(String, Int32)] = []
        for dir in dirs.sorted() {
            let fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if fd < 0 { failed.append((dir, errno)); continue }
            if fsync(fd) != 0 { failed.append((dir, errno)) }
            close(fd)
        }
        guard let first = failed.first else { return }
        pending.withLock { set in for (dir, _) in failed { set.insert(dir) } }
        throw SdetkitError.io("cannot sync the directory", path: first.0, errno: first.1)
    }
}
