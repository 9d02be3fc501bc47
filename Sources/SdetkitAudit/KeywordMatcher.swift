#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The keyword pre-filter: one pass over a file finds, per line, which rules' keywords occur.
///
/// Every byte pair is tested against an 8 KiB bitset of keyword prefixes (all ASCII case variants); only on a
/// hit is the bucket of that (lower-cased) pair looked up and its few keywords compared. Line boundaries and
/// numbers are computed afterwards, only around hits. Only lines with a keyword go on to the (slower) regexes.
struct KeywordMatcher: Sendable {
    struct Keyword: Sendable {
        /// As written (compared exactly when case-sensitive).
        let bytes: [UInt8]
        /// ASCII-lower-cased (compared when case-insensitive).
        let lowered: [UInt8]
        let caseSensitive: Bool
        /// Bit of the rule (or marker) the keyword belongs to.
        let bit: UInt64
    }

    let keywords: [Keyword]
    /// One bit per raw byte pair (`first | second << 8`) that starts some keyword, in any ASCII case.
    let pairBits: [UInt64]
    /// Bucket number + 1 for each lower-cased byte pair (`first << 8 | second`); 0 when no keyword starts with it.
    let bucketOfPair: [UInt8]
    let buckets: [[Int]]

    static let lowerTable: [UInt8] = (0...255).map { (b: Int) -> UInt8 in
        let byte = UInt8(b)
        return byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
    }

    static func caseVariants(_ b: UInt8) -> [UInt8] {
        let lower = lowerTable[Int(b)]
        return lower >= 0x61 && lower <= 0x7A ? [lower, lower & ~0x20] : [b]
    }

    /// `entries`: (keyword, case-sensitive, bit). Keywords need at least 2 bytes; shorter ones are ignored.
    init(_ entries: [(String, Bool, UInt64)]) {
        var keywords: [Keyword] = []
        var bucketOfPair = [UInt8](repeating: 0, count: 65_536)
        var pairBits = [UInt64](repeating: 0, count: 1_024)
        var buckets: [[Int]] = []
        for (text, caseSensitive, bit) in entries {
            let bytes = Array(text.utf8)
            guard bytes.count >= 2 else { continue }
            let lowered = bytes.map { Self.lowerTable[Int($0)] }
            let pair = Int(lowered[0]) << 8 | Int(lowered[1])
            if bucketOfPair[pair] == 0 {
                guard buckets.count < 255 else { continue }
                buckets.append([])
                bucketOfPair[pair] = UInt8(buckets.count)
            }
            buckets[Int(bucketOfPair[pair]) - 1].append(keywords.count)
            keywords.append(Keyword(bytes: bytes, lowered: lowered, caseSensitive: caseSensitive, bit: bit))
            for a in Self.caseVariants(bytes[0]) {
                for b in Self.caseVariants(bytes[1]) {
                    let raw = Int(a) | Int(b) << 8
                    pairBits[raw >> 6] |= UInt64(1) << UInt64(raw & 63)
                }
            }
        }
        self.keywords = keywords
        self.pairBits = pairBits
        self.bucketOfPair = bucketOfPair
        self.buckets = buckets
    }

    /// Keyword occurrences: (offset, bits), in offset order.
    func hits(_ buf: UnsafeBufferPointer<UInt8>, into out: inout [(Int, UInt64)]) {
        out.removeAll(keepingCapacity: true)
        guard let base = buf.baseAddress, buf.count > 1 else { return }
        let n = buf.count
        let raw = UnsafeRawPointer(base)
        Self.lowerTable.withUnsafeBufferPointer { lower in
            pairBits.withUnsafeBufferPointer { bits in
                bucketOfPair.withUnsafeBufferPointer { pairs in
                    var i = 0
                    let last = n - 1
                    while i < last {
                        let k = Int(raw.loadUnaligned(fromByteOffset: i, as: UInt16.self).littleEndian)
                        if bits[k >> 6] & (UInt64(1) << UInt64(k & 63)) != 0 {
                            let bucket = pairs[Int(lower[k & 0xFF]) << 8 | Int(lower[k >> 8])]
                            if bucket != 0 {
                                let m = matchBucket(Int(bucket) - 1, base, i, n, lower)
                                if m != 0 { out.append((i, m)) }
                            }
                        }
                        i += 1
                    }
                }
            }
        }
    }

    /// Calls `visit(lineStart, lineEnd, lineNumber, mask)` for each line (end excludes the '\n') whose mask of
    /// keyword bits is non-zero, in line order. Line numbers are 1-based.
    func scanLines(_ buf: UnsafeBufferPointer<UInt8>, _ visit: (Int, Int, Int, UInt64) -> Void) {
        var found: [(Int, UInt64)] = []
        hits(buf, into: &found)
        guard !found.isEmpty, let base = buf.baseAddress else { return }
        let n = buf.count
        var line = 1
        var counted = 0  // newlines before `counted` are included in `line`
        var k = 0
        while k < found.count {
            let at = found[k].0
            line += Bytes.countNewlines(base, from: counted, to: at)
            var start = at
            while start > 0 && base[start - 1] != 0x0A { start -= 1 }
            let end = Bytes.indexOfNewline(base, from: at, to: n)
            var mask: UInt64 = 0
            while k < found.count && found[k].0 < end {
                mask |= found[k].1
                k += 1
            }
            visit(start, end, line, mask)
            counted = at
        }
    }

    /// The mask of keyword bits occurring anywhere in `buf` (no line splitting).
    func mask(of buf: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var found: [(Int, UInt64)] = []
        hits(buf, into: &found)
        return found.reduce(0) { $0 | $1.1 }
    }

    @inline(__always)
    private func matchBucket(_ bucket: Int, _ base: UnsafePointer<UInt8>, _ at: Int, _ n: Int,
                             _ lower: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var mask: UInt64 = 0
        for k in buckets[bucket] {
            let kw = keywords[k]
            let len = kw.bytes.count
            guard at + len <= n else { continue }
            var ok = true
            // The bucket already matched the first two bytes case-insensitively; keywords have >= 2 bytes.
            if kw.caseSensitive {
                for j in 0..<len where base[at + j] != kw.bytes[j] { ok = false; break }
            } else {
                for j in 2..<len where lower[Int(base[at + j])] != kw.lowered[j] { ok = false; break }
            }
            if ok { mask |= kw.bit }
        }
        return mask
    }
}

/// Byte-level helpers.
enum Bytes {
    /// True when `needle` occurs in `hay` (ASCII case-insensitive when `ignoreCase`).
    static func contains(_ hay: UnsafeBufferPointer<UInt8>, _ needle: [UInt8], ignoreCase: Bool) -> Bool {
        let n = hay.count, m = needle.count
        guard m > 0 else { return true }
        guard n >= m else { return false }
        let lower = KeywordMatcher.lowerTable
        let first = ignoreCase ? lower[Int(needle[0])] : needle[0]
        var i = 0
        while i <= n - m {
            let c = ignoreCase ? lower[Int(hay[i])] : hay[i]
            if c == first {
                var j = 1
                while j < m {
                    let a = ignoreCase ? lower[Int(hay[i + j])] : hay[i + j]
                    let b = ignoreCase ? lower[Int(needle[j])] : needle[j]
                    if a != b { break }
                    j += 1
                }
                if j == m { return true }
            }
            i += 1
        }
        return false
    }

    static func hasNUL(_ buf: UnsafeBufferPointer<UInt8>, probe: Int) -> Bool {
        let n = min(buf.count, probe)
        guard n > 0, let base = buf.baseAddress else { return false }
        return memchr(base, 0, n) != nil
    }

    /// Number of '\n' bytes in base[from..<to].
    static func countNewlines(_ base: UnsafePointer<UInt8>, from: Int, to: Int) -> Int {
        var count = 0
        var i = from
        while i < to {
            count &+= base[i] == 0x0A ? 1 : 0
            i += 1
        }
        return count
    }

    /// Offset of the first '\n' at or after `from`, or `to` when there is none.
    static func indexOfNewline(_ base: UnsafePointer<UInt8>, from: Int, to: Int) -> Int {
        guard from < to, let p = memchr(base + from, 0x0A, to - from) else { return to }
        return base.distance(to: p.assumingMemoryBound(to: UInt8.self))
    }
}
