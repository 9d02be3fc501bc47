#if canImport(Glibc)
import Glibc
#endif
import COpenat2
import Synchronization

/// The repository root held open, so that sdetkit's state files are opened *relative to it* with no
/// symbolic link followed anywhere on the way — race-free, unlike a `lstat` check before an open by path.
///
/// Where the kernel has it (Linux 5.6+), one `openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS)` per open.
/// Where it has not (`ENOSYS`) or a seccomp filter refuses it (`EPERM`), the path is walked one component
/// at a time with `openat(O_NOFOLLOW | O_DIRECTORY)` and the last one opened with `O_NOFOLLOW`. Either way
/// a link (or a `..` leading out) is an error naming it (``LinkOnPath/stateError``), never followed.
///
/// Paths given to it are repo-relative (`.sdetkit/agent/history/ledger.jsonl`), without `.`/`..` components.
public final class BeneathRoot: Sendable {
    /// The repository root's absolute path (for messages and for finding which component is a link).
    public let path: String
    /// An `sdk_O_PATH | O_DIRECTORY` descriptor of the root, closed with this object.
    public let fd: Int32
    /// Walk components instead of calling openat2 (what an old kernel gets; tests force it).
    public let walksComponents: Bool

    /// Set once openat2 answered ENOSYS: every later open walks components.
    private static let noOpenat2 = Atomic<Bool>(false)

    public init(path: String, walkComponents: Bool = false) throws(SdetkitError) {
        let fd = Glibc.open(path, sdk_O_PATH | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw SdetkitError.io("cannot open the repository", path: path, errno: errno) }
        self.path = path
        self.fd = fd
        self.walksComponents = walkComponents
    }

    deinit { close(fd) }

    // MARK: - Opening

    /// Opens `rel` beneath the root with `flags` (`O_CLOEXEC | O_NOFOLLOW` are added). Throws naming the link
    /// when any component is a symbolic link, else an I/O error naming the path.
    public func open(_ rel: String, flags: Int32, mode: mode_t = 0o644) throws(SdetkitError) -> Int32 {
        let fd = rawOpen(rel, flags: flags, mode: mode)
        if fd >= 0 { return fd }
        throw error(-fd, rel, "cannot open")
    }

    /// ``open(_:flags:mode:)``, nil when `rel` (or a directory on the way) does not exist.
    public func openIfPresent(_ rel: String, flags: Int32, mode: mode_t = 0o644) throws(SdetkitError) -> Int32? {
        let fd = rawOpen(rel, flags: flags, mode: mode)
        if fd >= 0 { return fd }
        if -fd == ENOENT { return nil }
        throw error(-fd, rel, "cannot open")
    }

    /// A directory beneath the root, opened for reading (so it can be listed and fsynced).
    public func openDirectory(_ rel: String) throws(SdetkitError) -> Int32 {
        try open(rel, flags: O_RDONLY | O_DIRECTORY)
    }

    /// The descriptor or a negative errno: openat2 when available, else the component walk.
    public func rawOpen(_ rel: String, flags: Int32, mode: mode_t = 0o644) -> Int32 {
        let flags = flags | O_CLOEXEC | O_NOFOLLOW
        if !walksComponents && !Self.noOpenat2.load(ordering: .relaxed) {
            var fd: Int32 = -EAGAIN
            // EAGAIN: a rename elsewhere on the system raced the lookup (RESOLVE_BENEATH); try again.
            for _ in 0..<8 where fd == -EAGAIN {
                fd = sdk_openat2(self.fd, rel, flags, Int32(mode), UInt64(SDK_RESOLVE_BENEATH | SDK_RESOLVE_NO_SYMLINKS))
            }
            if fd == -ENOSYS { Self.noOpenat2.store(true, ordering: .relaxed) }
            // O_DIRECTORY on a final link answers ENOTDIR before RESOLVE_NO_SYMLINKS's ELOOP: say which it was.
            if fd == -ENOTDIR && flags & O_DIRECTORY != 0 && LinkOnPath.first(on: rel, root: path) != nil { return -ELOOP }
            if fd != -ENOSYS && fd != -EPERM { return fd }
        }
        return Self.walk(from: self.fd, rel, flags: flags, mode: mode)
    }

    /// The fallback: `rel` opened from `dirFD` one component at a time, each directory with
    /// `O_NOFOLLOW | O_DIRECTORY` and the last with `flags` (which must hold `O_NOFOLLOW`). A symbolic link
    /// anywhere is `-ELOOP`; `.`, `..` and absolute paths are `-EXDEV` (they could lead out).
    public static func walk(from dirFD: Int32, _ rel: String, flags: Int32, mode: mode_t) -> Int32 {
        let parts = rel.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard !parts.isEmpty, !rel.hasPrefix("/"), !parts.contains(where: { $0 == "." || $0 == ".." }) else { return -EXDEV }
        var current = dirFD
        defer { if current != dirFD { close(current) } }
        for (i, part) in parts.enumerated() {
            let last = i == parts.count - 1
            let fd = last ? openat(current, part, flags | O_NOFOLLOW, mode)
                          : openat(current, part, sdk_O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if fd < 0 {
                let e = errno
                // O_DIRECTORY on a link answers ENOTDIR (and sdk_O_PATH | O_NOFOLLOW would open the link itself).
                if e == ENOTDIR || e == ELOOP || e == EEXIST, isLink(at: current, part) { return -ELOOP }
                return -e
            }
            if last { return fd }
            if current != dirFD { close(current) }
            current = fd
        }
        return -ENOENT
    }

    static func isLink(at dirFD: Int32, _ name: String) -> Bool {
        var st = stat()
        return fstatat(dirFD, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && (st.st_mode & S_IFMT) == S_IFLNK
    }

    /// The error for a failed open of `rel`: a link (ELOOP from RESOLVE_NO_SYMLINKS or O_NOFOLLOW, EXDEV from
    /// RESOLVE_BENEATH) is named as ``StateLayout/checkNoStateLinks()`` names it.
    public func error(_ code: Int32, _ rel: String, _ what: String) -> SdetkitError {
        guard code == ELOOP || code == EXDEV else { return SdetkitError.io(what, path: path + "/" + rel, errno: code) }
        if let link = LinkOnPath.first(on: rel, root: path) { return link.stateError }
        // Swapped back already, or a `..` out: still never followed.
        return SdetkitError("'\(rel)' is or goes through a symbolic link: sdetkit never follows links in its state "
                            + "(a cloned repository may plant them); remove it and run 'sdetkit agent init'")
    }

    // MARK: - Creating

    /// Creates the directory `rel` beneath the root when missing (its parent must exist); returns true when
    /// it did, after syncing the parent. A link at `rel` is refused like any open.
    @discardableResult
    public func createDirectory(_ rel: String, mode: mode_t = 0o755) throws(SdetkitError) -> Bool {
        let parentRel = Path.dirname(rel)
        let parent = parentRel.isEmpty || parentRel == "." ? try reopenRoot() : try openDirectory(parentRel)
        defer { close(parent) }
        return try Self.createDirectory(Path.basename(rel), in: parent, shown: rel, root: self)
    }

    /// `mkdirat(dirFD, name)` unless it exists; true when created (the parent is synced then). Refuses a link.
    @discardableResult
    public static func createDirectory(_ name: String, in dirFD: Int32, shown: String, root: BeneathRoot) throws(SdetkitError) -> Bool {
        if mkdirat(dirFD, name, 0o755) == 0 {
            fsync(dirFD)
            return true
        }
        let e = errno
        guard e == EEXIST else { throw root.error(e, shown, "cannot create directory") }
        if isLink(at: dirFD, name) { throw root.error(ELOOP, shown, "cannot create directory") }
        return false
    }

    private func reopenRoot() throws(SdetkitError) -> Int32 {
        let fd = openat(self.fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw SdetkitError.io("cannot open the repository", path: path, errno: errno) }
        return fd
    }

    /// How ``writeFile(_:named:in:mode:replace:shown:sync:)`` puts the finished temp file in place.
    public enum Placement: Sendable {
        /// `renameat` over whatever is there.
        case replace
        /// `linkat`: only if nothing is there yet (the first writer of a content-addressed object wins).
        case createOnly
    }

    /// An atomic, durable write with no path resolution once `dirFD` is held: a temp file created exclusively
    /// in `dirFD` (`O_EXCL | O_NOFOLLOW`), written, fsynced, then renamed (or linked) to `name` in the same
    /// directory, and the directory fsynced unless `syncDirectory` is false (the caller syncs it later).
    /// Returns false when `.createOnly` found `name` already there.
    @discardableResult
    public static func writeFile(_ bytes: [UInt8], named name: String, in dirFD: Int32, mode: mode_t = 0o644,
                                 placement: Placement = .replace, shown: String, syncDirectory: Bool = true) throws(SdetkitError) -> Bool {
        let tmp = ".\(name).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = openat(dirFD, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode)
        guard fd >= 0 else { throw SdetkitError.io("cannot write", path: shown, errno: errno) }
        do throws(SdetkitError) {
            try FileSystem.writeAll(fd: fd, bytes, path: shown)
            guard fsync(fd) == 0 else { throw SdetkitError.io("cannot sync", path: shown, errno: errno) }
        } catch {
            close(fd)
            unlinkat(dirFD, tmp, 0)
            throw error
        }
        close(fd)
        switch placement {
        case .replace:
            guard renameat(dirFD, tmp, dirFD, name) == 0 else {
                let e = errno
                unlinkat(dirFD, tmp, 0)
                throw SdetkitError.io("cannot replace", path: shown, errno: e)
            }
        case .createOnly:
            let linked = linkat(dirFD, tmp, dirFD, name, 0) == 0
            let e = errno
            unlinkat(dirFD, tmp, 0)
            if !linked {
                if e == EEXIST { return false }
                throw SdetkitError.io("cannot store", path: shown, errno: e)
            }
        }
        if syncDirectory { fsync(dirFD) }
        return true
    }

    /// Reads the whole file `rel` beneath the root; nil when it does not exist.
    public func readIfPresent(_ rel: String) throws(SdetkitError) -> [UInt8]? {
        guard let fd = try openIfPresent(rel, flags: O_RDONLY) else { return nil }
        defer { close(fd) }
        return try FileSystem.readAll(fd: fd, path: path + "/" + rel)
    }
}
