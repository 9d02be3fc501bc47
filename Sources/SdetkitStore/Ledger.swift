#if canImport(Glibc)
import Glibc
#endif
import SdetkitCore

/// The append-only ledger file (`history/ledger.jsonl`): one canonical-JSON entry per line.
/// Appends happen under an exclusive file lock, in one write, followed by fdatasync.
struct Ledger {
    let path: String
    let lockPath: String

    /// Appends the entry built by `make(nextSeq, prevChain)` under the lock; returns it.
    /// A torn final line (a crash mid-append, never acknowledged) is cut off first.
    func append(root: BeneathRoot, _ make: (Int, String) -> LedgerEntry) throws -> LedgerEntry {
        try appendLocated(root: root, make).entry
    }

    /// ``append(root:_:)``, also returning where the line went: `start` is the ledger's length before it, `end` after.
    /// The lock and the ledger are opened beneath `root` with no symbolic link followed (``BeneathRoot``).
    func appendLocated(root: BeneathRoot, _ make: (Int, String) -> LedgerEntry) throws -> (entry: LedgerEntry, start: Int, end: Int) {
        let lock = try FileLock(root: root, rel: HistoryStore.relLedgerLock)
        defer { withExtendedLifetime(lock) {} }
        let fd = try root.open(StateLayout.relLedger, flags: O_RDWR | O_CREAT, mode: 0o644)
        defer { close(fd) }
        let (last, validLength) = try Ledger.lastLine(fd: fd, path: path)
        var seq = 1
        var prev = LedgerEntry.genesis
        if let last {
            guard let entry = LedgerEntry(line: last[...]) else {
                throw SdetkitError("ledger \(path): last entry is not valid; run 'sdetkit agent history verify'", exit: .integrity)
            }
            seq = entry.seq + 1
            prev = entry.chain
        }
        let entry = make(seq, prev)
        var bytes = entry.line
        bytes.append(0x0A)
        if ftruncate(fd, off_t(validLength)) != 0 { throw SdetkitError.io("cannot repair", path: path, errno: errno) }
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress! + off, bytes.count - off, off_t(validLength + off)) }
            if n < 0 {
                if errno == EINTR { continue }
                let e = errno
                _ = ftruncate(fd, off_t(validLength))
                throw SdetkitError.io("cannot append to", path: path, errno: e)
            }
            off += n
        }
        guard fdatasync(fd) == 0 else { throw SdetkitError.io("cannot sync", path: path, errno: errno) }
        return (entry, validLength, validLength + bytes.count)
    }

    /// The last complete line (without newline) and the length of the file up to and including it.
    static func lastLine(fd: Int32, path: String) throws -> ([UInt8]?, Int) {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw SdetkitError.io("cannot stat", path: path, errno: errno) }
        let size = Int(st.st_size)
        if size == 0 { return (nil, 0) }
        var tail: [UInt8] = []
        var pos = size
        let chunk = 8192
        // Read backwards until the region holds the last newline plus the one before it (or the file start).
        while pos > 0 {
            let start = max(0, pos - chunk)
            var buf = [UInt8](repeating: 0, count: pos - start)
            let n = buf.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, $0.count, off_t(start)) }
            guard n == buf.count else { throw SdetkitError.io("cannot read", path: path, errno: errno) }
            tail = buf + tail
            pos = start
            let newlines = tail.indices.filter { tail[$0] == 0x0A }
            if newlines.count >= 2 || (pos == 0) { break }
        }
        // `tail` covers bytes [pos, size).
        guard let lastNL = tail.lastIndex(of: 0x0A) else { return (nil, 0) }  // only a torn line
        let validLength = pos + lastNL + 1
        let before = tail[..<lastNL].lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
        return (Array(tail[before..<lastNL]), validLength)
    }

    /// Every complete line, with its byte offset after the newline. An unterminated final line is ignored.
    static func readLines(path: String, from offset: Int = 0) throws -> (lines: [ArraySlice<UInt8>], end: Int) {
        guard FileSystem.exists(path) else { return ([], 0) }
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { throw SdetkitError.io("cannot read", path: path, errno: errno) }
        defer { close(fd) }
        return try readLines(fd: fd, path: path, from: offset)
    }

    /// ``readLines(path:from:)`` from an open descriptor of the ledger.
    static func readLines(fd: Int32, path: String, from offset: Int = 0) throws -> (lines: [ArraySlice<UInt8>], end: Int) {
        if offset > 0 { lseek(fd, off_t(offset), SEEK_SET) }
        let bytes = try FileSystem.readAll(fd: fd, path: path)
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        var end = 0
        bytes.withUnsafeBufferPointer { buf in
            guard let base = buf.baseAddress else { return }
            var i = 0
            while i < buf.count, let nl = memchr(base + i, 0x0A, buf.count - i) {
                let at = base.distance(to: nl.assumingMemoryBound(to: UInt8.self))
                if at > start { lines.append(bytes[start..<at]) }
                start = at + 1
                end = at + 1
                i = at + 1
            }
        }
        return (lines, offset + end)
    }
}

extension Ledger {
    /// The entry with sequence number `seq`, found by binary search over byte offsets (sequence numbers
    /// increase by one per line), reading a few kilobytes instead of the whole ledger. Nil when the search
    /// does not land on it (no such entry, or a ledger whose order was tampered with: callers then scan).
    /// `bytesRead` counts what was read, for tests.
    static func entry(seq: Int, path: String, bytesRead: inout Int) throws -> LedgerEntry? {
        guard FileSystem.exists(path) else { return nil }
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { throw SdetkitError.io("cannot read", path: path, errno: errno) }
        defer { close(fd) }
        return try entry(seq: seq, fd: fd, path: path, bytesRead: &bytesRead)
    }

    /// ``entry(seq:path:bytesRead:)`` from an open descriptor of the ledger.
    static func entry(seq: Int, fd: Int32, path: String, bytesRead: inout Int) throws -> LedgerEntry? {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw SdetkitError.io("cannot stat", path: path, errno: errno) }
        var low = 0
        var high = Int(st.st_size)
        // Invariant: the line starting at or after `low` and before `high` may be the one.
        for _ in 0..<64 where low < high {
            let mid = (low + high) / 2
            guard let (line, start, end) = try lineAtOrAfter(mid, fd: fd, limit: high, bytesRead: &bytesRead) else {
                high = mid
                continue
            }
            guard let entry = LedgerEntry(line: line[...]) else { return nil }
            if entry.seq == seq { return entry }
            if entry.seq < seq { low = end } else { high = start }
        }
        return nil
    }

    /// The first complete line starting at or after `offset` (the line containing `offset` is skipped unless it
    /// starts there), with its start and end (after the newline); nil when none starts before `limit`.
    private static func lineAtOrAfter(_ offset: Int, fd: Int32, limit: Int, bytesRead: inout Int) throws -> ([UInt8], Int, Int)? {
        var start = offset
        if offset > 0 {
            // Find the newline ending the line that contains offset - 1.
            guard let nl = try find(newlineFrom: offset - 1, fd: fd, bytesRead: &bytesRead) else { return nil }
            start = nl + 1
        }
        guard start < limit, let nl = try find(newlineFrom: start, fd: fd, bytesRead: &bytesRead) else { return nil }
        var line = [UInt8](repeating: 0, count: nl - start)
        let n = line.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, $0.count, off_t(start)) }
        guard n == line.count else { return nil }
        bytesRead += n
        return (line, start, nl + 1)
    }

    private static func find(newlineFrom offset: Int, fd: Int32, bytesRead: inout Int) throws -> Int? {
        var pos = offset
        var chunk = [UInt8](repeating: 0, count: 1024)  // ledger lines are a few hundred bytes
        while true {
            let n = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, $0.count, off_t(pos)) }
            if n <= 0 { return nil }
            bytesRead += n
            if let i = chunk[0..<n].firstIndex(of: 0x0A) { return pos + i }
            pos += n
        }
    }
}
