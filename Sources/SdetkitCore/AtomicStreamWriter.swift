#if canImport(Glibc)
import Glibc
#endif

/// Streams bytes into a temp file beside `path`; `commit()` fsyncs and renames it into place and fsyncs
/// the directory. If the writer is dropped without commit, the temp file is removed: no half-written file
/// is ever visible at `path`.
public final class AtomicStreamWriter {
    let path: String
    let tmp: String
    var fd: Int32
    var committed = false

    public init(path: String) throws(SdetkitError) {
        self.path = path
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
        guard fsync(fd) == 0 else { throw SdetkitError.io("cannot sync", path: path, errno: errno) }
        close(fd)
        fd = -1
        guard rename(tmp, path) == 0 else { throw SdetkitError.io("cannot replace", path: path, errno: errno) }
        committed = true
        FileSystem.syncDirectory(Path.dirname(path))
    }

    deinit {
        if fd >= 0 { close(fd) }
        if !committed { unlink(tmp) }
    }
}
