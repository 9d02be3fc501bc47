#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Small, explicit file-system primitives with durable, atomic writes.
public enum FileSystem {
    public static func describe(errno code: Int32) -> String { String(cString: strerror(code)) }

    public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    public static func isRegularFile(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
    }

    /// lstat-based: true for a symbolic link, dangling or not.
    public static func isSymlink(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFLNK
    }

    public static func fileSize(_ path: String) -> Int64? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return Int64(st.st_size)
    }

    public static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    /// The absolute path of the file an open descriptor refers to (Linux `/proc/self/fd`), with every symbolic
    /// link resolved as the kernel resolved it when opening; nil where that is not available.
    public static func descriptorPath(_ fd: Int32) -> String? {
        #if os(Linux)
        var buf = [CChar](repeating: 0, count: 4097)
        let n = readlink("/proc/self/fd/\(fd)", &buf, 4096)
        guard n > 0, buf[0] == 0x2F else { return nil }
        return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        #else
        return nil
        #endif
    }

    public static func currentDirectory() -> String {
        var buf = [CChar](repeating: 0, count: 4096)
        guard getcwd(&buf, buf.count) != nil else { return "." }
        return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `mkdir -p`. Returns the directories it created, outermost first.
    @discardableResult
    public static func createDirectories(_ path: String, mode: mode_t = 0o755) throws(SdetkitError) -> [String] {
        if isDirectory(path) { return [] }
        var created: [String] = []
        let parent = Path.dirname(path)
        if parent != path && !parent.isEmpty { created += try createDirectories(parent, mode: mode) }
        if mkdir(path, mode) != 0 && errno != EEXIST {
            throw SdetkitError.io("cannot create directory", path: path, errno: errno)
        }
        created.append(path)
        return created
    }

    public static func readBytes(_ path: String) throws(SdetkitError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SdetkitError.io("cannot read", path: path, errno: errno) }
        defer { close(fd) }
        return try readAll(fd: fd, path: path)
    }

    public static func readAll(fd: Int32, path: String) throws(SdetkitError) -> [UInt8] {
        var st = stat()
        var capacity = 64 * 1024
        if fstat(fd, &st) == 0 && st.st_size > 0 { capacity = Int(st.st_size) + 1 }
        var out = [UInt8](repeating: 0, count: capacity)
        var used = 0
        while true {
            if used == out.count { out.append(contentsOf: repeatElement(0, count: max(out.count, 4096))) }
            let n = out.withUnsafeMutableBytes { read(fd, $0.baseAddress! + used, $0.count - used) }
            if n < 0 {
                if errno == EINTR { continue }
                throw SdetkitError.io("cannot read", path: path, errno: errno)
            }
            if n == 0 { break }
            used += n
        }
        out.removeSubrange(used...)
        return out
    }

    public static func readString(_ path: String) throws(SdetkitError) -> String {
        String(decoding: try readBytes(path), as: UTF8.self)
    }

    public static func writeAll(fd: Int32, _ bytes: [UInt8], path: String) throws(SdetkitError) {
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + off, bytes.count - off) }
            if n < 0 {
                if errno == EINTR { continue }
                throw SdetkitError.io("cannot write", path: path, errno: errno)
            }
            off += n
        }
    }

    /// Writes `bytes` to `path` atomically and durably: a temp file in the same directory,
    /// fsync, rename over the target, fsync the directory. Readers see the old or the new file, never a part.
    /// With `directorySyncs`, the directory is noted there instead of synced at once (see ``DirectorySyncs``).
    public static func writeAtomically(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644,
                                       directorySyncs: DirectorySyncs? = nil) throws(SdetkitError) {
        let dir = Path.dirname(path)
        let tmp = try writeSyncedTemp(bytes, beside: path, mode: mode)
        guard rename(tmp, path) == 0 else {
            let e = errno
            unlink(tmp)
            throw SdetkitError.io("cannot replace", path: path, errno: e)
        }
        if let directorySyncs { directorySyncs.note(dir.isEmpty ? "." : dir) } else { syncDirectory(dir) }
    }

    public static func writeAtomically(_ text: String, to path: String) throws(SdetkitError) {
        try writeAtomically(Array(text.utf8), to: path)
    }

    /// Writes `bytes` to a new temp file in `path`'s directory and fsyncs it; returns the temp path.
    static func writeSyncedTemp(_ bytes: [UInt8], beside path: String, mode: mode_t) throws(SdetkitError) -> String {
        let tmp = "\(Path.dirname(path))/.\(Path.basename(path)).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw SdetkitError.io("cannot write", path: path, errno: errno) }
        do throws(SdetkitError) {
            try writeAll(fd: fd, bytes, path: path)
            guard fsync(fd) == 0 else { throw SdetkitError.io("cannot sync", path: path, errno: errno) }
        } catch {
            close(fd)
            unlink(tmp)
            throw error
        }
        close(fd)
        return tmp
    }

    /// Creates `path` with `bytes` only if it does not exist yet (content-addressed objects).
    /// Returns false when it already existed. Atomic and durable like ``writeAtomically(_:to:mode:)``.
    @discardableResult
    public static func createAtomically(_ bytes: [UInt8], at path: String, mode: mode_t = 0o444) throws(SdetkitError) -> Bool {
        if exists(path) { return false }
        let dir = Path.dirname(path)
        let tmp = try writeSyncedTemp(bytes, beside: path, mode: mode)
        // link() fails with EEXIST instead of replacing: the first writer of an object wins.
        if link(tmp, path) != 0 {
            let e = errno
            unlink(tmp)
            if e == EEXIST { return false }
            throw SdetkitError.io("cannot store", path: path, errno: e)
        }
        unlink(tmp)
        syncDirectory(dir)
        return true
    }

    /// Appends bytes to a file opened with O_APPEND and fsyncs it. Callers serialise with a ``FileLock``.
    public static func appendDurably(_ bytes: [UInt8], to path: String) throws(SdetkitError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SdetkitError.io("cannot append to", path: path, errno: errno) }
        defer { close(fd) }
        try writeAll(fd: fd, bytes, path: path)
        guard fdatasync(fd) == 0 else { throw SdetkitError.io("cannot sync", path: path, errno: errno) }
    }

    public static func syncDirectory(_ dir: String) {
        let fd = open(dir.isEmpty ? "." : dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 { fsync(fd); close(fd) }
    }

    /// Removes `path` and everything beneath it without following any symbolic link (a link is removed, never
    /// its target). Best effort: what cannot be removed stays.
    public static func removeTree(_ path: String) {
        var st = stat()
        guard lstat(path, &st) == 0 else { return }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            for name in list(path) { removeTree(path + "/" + name) }
            rmdir(path)
        } else {
            unlink(path)
        }
    }

    /// Names in a directory (not `.`/`..`), unsorted. Empty when it does not exist.
    public static func list(_ dir: String) -> [String] {
        guard let d = opendir(dir) else { return [] }
        defer { closedir(d) }
        return names(in: d)
    }

    /// The names an open directory stream holds (not `.`/`..`), unsorted.
    static func names(in d: OpaquePointer) -> [String] {
        var out: [String] = []
        while let e = readdir(d) {
            let name = withUnsafePointer(to: e.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { out.append(name) }
        }
        return out
    }

    public static func remove(_ path: String) { unlink(path) }
}

/// An exclusive advisory lock (flock) on a lock file. Each instance opens its own descriptor, so it
/// excludes other threads of this process as well as other processes.
public final class FileLock {
    private let fd: Int32

    /// Blocks until the lock is held.
    public init(path: String) throws(SdetkitError) {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else { throw SdetkitError.io("cannot open lock", path: path, errno: errno) }
        while flock(fd, LOCK_EX) != 0 {
            if errno == EINTR { continue }
            let e = errno
            close(fd)
            throw SdetkitError.io("cannot lock", path: path, errno: e)
        }
        self.fd = fd
    }

    /// Blocks until the lock on `rel` beneath `root` is held; the lock file is opened with no link followed
    /// on the way (``BeneathRoot``).
    public init(root: BeneathRoot, rel: String) throws(SdetkitError) {
        let fd = try root.open(rel, flags: O_RDWR | O_CREAT, mode: 0o644)
        while flock(fd, LOCK_EX) != 0 {
            if errno == EINTR { continue }
            let e = errno
            close(fd)
            throw SdetkitError.io("cannot lock", path: root.path + "/" + rel, errno: e)
        }
        self.fd = fd
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }

    public static func withLock<T>(_ path: String, _ body: () throws -> T) throws -> T {
        let lock = try FileLock(path: path)
        defer { withExtendedLifetime(lock) {} }
        return try body()
    }
}
