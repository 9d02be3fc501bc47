#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SdetkitCore

/// The append-only audit log: one canonical JSON object per line, one line per policy decision.
///
/// Each line is written with a single `write(2)` on an `O_APPEND` descriptor while holding an exclusive
/// `flock` on `<log>.lock`, so lines from concurrent processes never interleave. `sync: true` also syncs it
/// before returning; ``sync()`` syncs every line written so far (the ``PolicyEngine`` decides which lines
/// must be on disk when). Neither file is opened through a symbolic link: both are opened relative to the
/// repository root (``BeneathRoot``: openat2 with no link followed on the way, or `O_NOFOLLOW` per component),
/// so a repository cannot redirect the log elsewhere by committing a link, nor by swapping one in later.
struct AuditLog: Sendable {
    let path: String
    /// How to name the log in messages without an absolute path.
    let shownName: String
    /// The directory `path` is opened beneath — the repository root when `shownName` is the log's
    /// repo-relative path, else the log's own directory — and the path below it. Nil when it cannot be opened
    /// (then `path` is opened with `O_NOFOLLOW`).
    let beneath: (root: BeneathRoot, rel: String)?

    init(path: String, shownName: String) {
        self.path = path
        self.shownName = shownName
        let inside = path.hasSuffix("/" + shownName) && !Path.components(shownName).contains("..")
        let rootPath = inside ? String(path.dropLast(shownName.utf8.count + 1)) : Path.dirname(path)
        let rel = inside ? shownName : Path.basename(path)
        beneath = (try? BeneathRoot(path: rootPath.isEmpty ? "/" : rootPath)).map { ($0, rel) }
    }

    /// Opens `suffix` appended to the log's path (the log, or `.lock`) with no link followed; fd or -errno.
    private func openLog(_ suffix: String, _ flags: Int32, _ mode: mode_t = 0o644) -> Int32 {
        if let beneath { return beneath.root.rawOpen(beneath.rel + suffix, flags: flags, mode: mode) }
        let fd = open(path + suffix, flags | O_CLOEXEC | O_NOFOLLOW, mode)
        return fd >= 0 ? fd : -errno
    }

    /// Appends `entry` as one line, synced to disk before returning when `sync` is set.
    /// Returns nil on success, else why it failed.
    func append(_ entry: JSONValue, sync: Bool) -> String? {
        append([entry], sync: sync)
    }

    /// Appends `entries` as consecutive lines in one `write(2)`, synced before returning when `sync` is set.
    /// Returns nil on success, else why it failed.
    func append(_ entries: [JSONValue], sync: Bool) -> String? {
        var bytes: [UInt8] = []
        for entry in entries {
            CanonicalJSON.write(entry, into: &bytes)
            bytes.append(0x0A)
        }
        var lockFD = openLog(".lock", O_RDWR | O_CREAT)
        if lockFD == -ENOENT {
            // Its directory is missing: created beneath the root too, one component at a time, no link followed.
            if let failure = createDirectory() { return failure }
            lockFD = openLog(".lock", O_RDWR | O_CREAT)
        }
        guard lockFD >= 0 else { return failure("cannot open its lock file", -lockFD) }
        defer { close(lockFD) }
        while flock(lockFD, LOCK_EX) != 0 {
            if errno == EINTR { continue }
            return failure("cannot lock it", errno)
        }
        defer { flock(lockFD, LOCK_UN) }
        let fd = openLog("", O_WRONLY | O_CREAT | O_APPEND)
        guard fd >= 0 else { return failure("cannot open it", -fd) }
        defer { close(fd) }
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + off, bytes.count - off) }
            if n < 0 {
                if errno == EINTR { continue }
                return failure("cannot append", errno)
            }
            off += n
        }
        return sync ? Self.dataSync(fd).map { failure("cannot sync it", $0) } : nil
    }

    /// Creates the log's directory (``BeneathRoot/createDirectories(_:mode:)``); nil on success, else why not.
    func createDirectory() -> String? {
        let dir = Path.dirname(beneath?.rel ?? "")
        do throws(SdetkitError) {
            if let beneath, !dir.isEmpty, dir != "." {
                try beneath.root.createDirectories(dir)
            } else if beneath == nil {
                try FileSystem.createDirectories(Path.dirname(path))
            }
            return nil
        } catch {
            // A link on the way (BeneathRoot's error names it) is said as every other refused link of the log is.
            if error.message.contains("symbolic link") { return failure("cannot create its directory", ELOOP) }
            return "cannot write the audit log (\(shownName)): cannot create its directory"
        }
    }

    /// Syncs every line appended so far (by any process). Returns nil on success, else why it failed.
    func sync() -> String? {
        let fd = openLog("", O_WRONLY | O_APPEND)
        guard fd >= 0 else { return failure("cannot open it", -fd) }
        defer { close(fd) }
        return Self.dataSync(fd).map { failure("cannot sync it", $0) }
    }

    /// fdatasync (fsync where there is none); the errno on failure.
    private static func dataSync(_ fd: Int32) -> Int32? {
        #if canImport(Glibc)
        let synced = fdatasync(fd)
        #else
        let synced = fsync(fd)
        #endif
        return synced == 0 ? nil : errno
    }

    private func failure(_ what: String, _ code: Int32) -> String {
        let detail = code == ELOOP || code == EXDEV ? "it is or goes through a symbolic link, which is never followed"
            : FileSystem.describe(errno: code)
        return "cannot write the audit log (\(shownName)): \(what): \(detail)"
    }
}
