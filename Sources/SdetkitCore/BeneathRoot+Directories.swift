#if canImport(Glibc)
import Glibc
#endif

/// Directories beneath the root: created, listed and emptied through descriptors, never by path.
extension BeneathRoot {
    /// Opens the directory `rel` beneath the root for reading, creating it and every missing directory above
    /// it on the way: one component at a time, `mkdirat` in the parent's descriptor when it is missing (the
    /// parent is synced then), then `openat(O_NOFOLLOW | O_DIRECTORY)`. A symbolic link at any component is
    /// refused naming it (``error(_:_:_:)``), never followed. Returns the descriptor and the repo-relative
    /// directories it created, outermost first.
    public func openDirectory(creating rel: String, mode: mode_t = 0o755) throws(SdetkitError) -> (fd: Int32, created: [String]) {
        let parts = Path.components(rel)
        guard !parts.isEmpty, !rel.hasPrefix("/"), !parts.contains(where: { $0 == "." || $0 == ".." }) else {
            throw error(EXDEV, rel, "cannot create directory")
        }
        var current = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard current >= 0 else { throw SdetkitError.io("cannot open the repository", path: path, errno: errno) }
        var created: [String] = []
        var prefix = ""
        for part in parts {
            prefix = prefix.isEmpty ? part : prefix + "/" + part
            var next = openat(current, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            var e = errno
            if next < 0 && e == ENOENT {
                if mkdirat(current, part, mode) == 0 {
                    fsync(current)
                    created.append(prefix)
                } else if errno != EEXIST {
                    e = errno
                    close(current)
                    throw error(e, prefix, "cannot create directory")
                }
                next = openat(current, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                e = errno
            }
            if next < 0 {
                // O_DIRECTORY | O_NOFOLLOW on a link answers ENOTDIR or ELOOP: say it was a link.
                if e == ENOTDIR || e == ELOOP, Self.isLink(at: current, part) { e = ELOOP }
                close(current)
                throw error(e, prefix, "cannot create directory")
            }
            close(current)
            current = next
        }
        return (current, created)
    }

    /// `mkdir -p` of `rel` beneath the root (``openDirectory(creating:mode:)``); the directories it created.
    @discardableResult
    public func createDirectories(_ rel: String, mode: mode_t = 0o755) throws(SdetkitError) -> [String] {
        let (dir, created) = try openDirectory(creating: rel, mode: mode)
        close(dir)
        return created
    }

    /// The directory `rel` beneath the root opened for reading, nil when it cannot be (missing, not a
    /// directory, unreadable: what a listing by path treats as empty). Only a link on the way is an error,
    /// naming it.
    public func openDirectoryIfPresent(_ rel: String) throws(SdetkitError) -> Int32? {
        let dir = rawOpen(rel, flags: O_RDONLY | O_DIRECTORY)
        if dir >= 0 { return dir }
        if dir == -ELOOP || dir == -EXDEV { throw error(-dir, rel, "cannot open") }
        return nil
    }

    /// Names in the directory `dirFD` (not `.`/`..`), unsorted; `dirFD` stays open and usable.
    public static func list(_ dirFD: Int32) -> [String] {
        let copy = openat(dirFD, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard copy >= 0, let d = fdopendir(copy) else { return [] }
        defer { closedir(d) }
        return FileSystem.names(in: d)
    }

    /// `fstatat(dirFD, name)` without following a link at `name`; nil when there is nothing there.
    public static func statEntry(_ name: String, in dirFD: Int32) -> stat? {
        var st = stat()
        return fstatat(dirFD, name, &st, AT_SYMLINK_NOFOLLOW) == 0 ? st : nil
    }

    /// `openat(dirFD, name, O_RDONLY | O_NOFOLLOW)`: the descriptor, or a negative errno (-ELOOP: a link).
    public static func openFile(_ name: String, in dirFD: Int32) -> Int32 {
        let file = openat(dirFD, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        if file >= 0 { return file }
        let e = errno
        return e == ELOOP || isLink(at: dirFD, name) ? -ELOOP : -e
    }

    /// ``openFile(_:in:)`` and the whole file read; throws naming the link when `name` is one (`shown`: its
    /// repo-relative path).
    public func readFile(_ name: String, in dirFD: Int32, shown: String) throws(SdetkitError) -> [UInt8] {
        let file = Self.openFile(name, in: dirFD)
        guard file >= 0 else { throw error(-file, shown, "cannot read") }
        defer { close(file) }
        return try FileSystem.readAll(fd: file, path: path + "/" + shown)
    }
}
