#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A whole file mapped read-only into memory: no copy into a buffer, no zero-filled pages, and on Linux
/// the pages are mapped in one call (`MAP_POPULATE`) rather than faulted in one by one.
///
/// Only for files sdetkit never changes after writing them (record packs): a mapping of a file that is
/// truncated while it is read faults (SIGBUS). Everything else is read with ``FileSystem/readBytes(_:)``.
public final class MappedFile {
    public let bytes: UnsafeRawBufferPointer
    private let base: UnsafeMutableRawPointer?
    private let length: Int

    public convenience init(path: String) throws(SdetkitError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SdetkitError.io("cannot read", path: path, errno: errno) }
        defer { close(fd) }
        try self.init(fd: fd, path: path)
    }

    /// Maps the file open at `fd` (which stays the caller's to close); `path` is for messages.
    public init(fd: Int32, path: String) throws(SdetkitError) {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw SdetkitError.io("cannot read", path: path, errno: errno) }
        length = Int(st.st_size)
        guard length > 0 else {
            base = nil
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        #if os(Linux)
        let flags = MAP_PRIVATE | MAP_POPULATE
        #else
        let flags = MAP_PRIVATE
        #endif
        let mapped = mmap(nil, length, PROT_READ, flags, fd, 0)
        guard let mapped, mapped != MAP_FAILED else { throw SdetkitError.io("cannot map", path: path, errno: errno) }
        base = mapped
        bytes = UnsafeRawBufferPointer(start: mapped, count: length)
    }

    deinit {
        if let base { munmap(base, length) }
    }
}
