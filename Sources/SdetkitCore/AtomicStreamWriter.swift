#if canImport(Glibc)
import Glibc
#endif

/// Streams bytes into a temp file beside `path`; `commit()` fsyncs and renames it into place and fsyncs
/// the directory. If the writer is dropped without commit, the temp file is removed: no half-written file
/// is ever visible at `path`.
///
/// What is not a regular file is never replaced: a FIFO or a character device at `path` (`/dev/null`,
/// `/dev/stdout`, a named pipe) is written through, as a shell redirection would; a directory or any other
/// kind of file is refused with a message naming it.
public final class AtomicStreamWriter {
    let path: String
    let tmp: String
    var fd: Int32
    var committed = false
    /// Writing straight into a FIFO or character device (no temp file, no rename).
    let direct: Bool

    public init(path: String) throws(SdetkitError) {
        self.path = path
        var st = stat()
        if stat(path, &st) == 0, (st.st_mode & S_IFMT) != S_IFREG {
            switch st.st_mode & S_IFMT {
            case S_IFIFO, S_IFCHR:
                fd = open(path, O_WRONLY | O_CLOEXEC)
                guard fd >= 0 else { throw SdetkitError.io("cannot write", path: path, errno: errno) }
                tmp = ""
                direct = true
                return
            case S_IFDIR:
                throw SdetkitError("cannot write \(path): it is a directory; give a file path")
            default:
                throw SdetkitError("cannot write \(path): it is not a regular file, a FIFO or a character device; "
                    + "sdetkit never replaces one (give another path)")
            }
        }
        direct = false
        let dir = Path.dirname(path)
        if !FileSystem.isDirectory(dir) {
            throw SdetkitError("cannot write \(path): directory \(dir) does not exist; create it first")
        }
        tmp = "\(dir)/.\(Path.basename(path)).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SdetkitError.io("cannot write", path: path, errno: errno) }
    }

    public func write(_ bytes: [UInt8]) throws(SdetkitError) {
        try FileSystem.writeAll(fd: fd, bytes, path: path)
    }

    public func commit() throws(SdetkitError) {
        if direct {
            close(fd)
            fd = -1
            committed = true
            return
        }
        guard fsync(fd) == 0 else { throw SdetkitError.io("cannot sync", path: path, errno: errno) }
        close(fd)
        fd = -1
        guard rename(tmp, path) == 0 else { throw SdetkitError.io("cannot replace", path: path, errno: errno) }
        committed = true
        FileSystem.syncDirectory(Path.dirname(path))
    }

    deinit {
        if fd >= 0 { close(fd) }
        if !committed && !direct { unlink(tmp) }
    }
}
