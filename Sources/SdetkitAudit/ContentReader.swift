#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads tracked files for scanning, from the working tree (open/read, no git object lookups) or from memory.
/// Each scanning thread owns one reader and its buffer, reused for every file.
final class ContentReader {
    let source: AuditContentSource
    let root: String
    let capacity: Int
    let buffer: UnsafeMutablePointer<UInt8>

    init(source: AuditContentSource, root: String, capacity: Int) {
        self.source = source
        self.root = root
        self.capacity = max(capacity, 1)
        self.buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: self.capacity)
    }

    deinit { buffer.deallocate() }

    /// A repo-relative path that stays inside the root (no absolute path, no `..` component, no NUL).
    static func isSafe(_ path: String) -> Bool {
        if path.isEmpty || path.hasPrefix("/") || path.utf8.contains(0) { return false }
        return !path.split(separator: "/").contains("..")
    }

    /// Calls `body(size, bytes)` with the file's size and its first `min(size, want(size))` bytes (at most the
    /// reader's capacity). Returns false (without calling `body`) when the file is missing, not a regular file,
    /// a symlink, or unreadable.
    func withContent(_ path: String, want wanted: (Int64) -> Int,
                     _ body: (Int64, UnsafeBufferPointer<UInt8>) -> Void) -> Bool {
        guard Self.isSafe(path) else { return false }
        switch source {
        case .memory(let contents):
            guard let bytes = contents[path] else { return false }
            let want = min(max(wanted(Int64(bytes.count)), 0), capacity)
            bytes.withUnsafeBufferPointer { all in
                body(Int64(all.count), UnsafeBufferPointer(rebasing: all[0..<min(all.count, want)]))
            }
            return true
        case .workingTree:
            let full = root.isEmpty ? path : (root.hasSuffix("/") ? root + path : root + "/" + path)
            let fd = open(full, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
            guard fd >= 0 else { return false }
            defer { close(fd) }
            var st = stat()
            guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return false }
            let size = Int64(st.st_size)
            let want = min(max(wanted(size), 0), capacity)
            let limit = Int(min(Int64(want), max(size, 0)))
            var used = 0
            while used < limit {
                let n = read(fd, buffer + used, limit - used)
                if n < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                if n == 0 { break }
                used += n
            }
            body(size, UnsafeBufferPointer(start: buffer, count: used))
            return true
        }
    }

    /// Calls `body(size, readAt)` for a regular file; `readAt(offset, destination, count)` returns the bytes
    /// read (0 at the end, -1 on error). For streaming large files and reading tar members.
    func withRandomAccess(_ path: String,
                          _ body: (Int64, (Int64, UnsafeMutablePointer<UInt8>, Int) -> Int) -> Void) -> Bool {
        guard Self.isSafe(path) else { return false }
        switch source {
        case .memory(let contents):
            guard let bytes = contents[path] else { return false }
            bytes.withUnsafeBufferPointer { all in
                body(Int64(all.count)) { offset, dest, count in
                    guard offset >= 0, offset < Int64(all.count) else { return 0 }
                    let n = min(count, all.count - Int(offset))
                    if n > 0, let base = all.baseAddress { dest.update(from: base + Int(offset), count: n) }
                    return n
                }
            }
            return true
        case .workingTree:
            let full = root.isEmpty ? path : (root.hasSuffix("/") ? root + path : root + "/" + path)
            let fd = open(full, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
            guard fd >= 0 else { return false }
            defer { close(fd) }
            var st = stat()
            guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return false }
            body(Int64(st.st_size)) { offset, dest, count in
                var used = 0
                while used < count {
                    let n = pread(fd, dest + used, count - used, off_t(offset) + off_t(used))
                    if n < 0 {
                        if errno == EINTR { continue }
                        return used > 0 ? used : -1
                    }
                    if n == 0 { break }
                    used += n
                }
                return used
            }
            return true
        }
    }
}
