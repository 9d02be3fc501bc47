#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The keyword pre-filter: one pass over a file finds, per line, which rules' keywords occur.
///
/// Each keyword is anchored on its rarest byte pair (by English/code letter frequency, so `heroku` is found via
/// `ku`, not `he`). Every byte pair of the file is tested against an 8 KiB bitset of anchors (all ASCII case
/// variants); only on a hit is the bucket of that (lower-cased) pair looked up and its few keywords compared.
/// Line boundaries and numbers are computed afterwards, only around hits. Only lines with a keyword go on to
/// the (slower) regexes.
struct KeywordMatcher: Sendable {
    let tables: Tables

    static let lowerTable: [UInt8] = (0...255).map { (b: Int) -> UInt8 in
        let byte = UInt8(b)
        return byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
    }

    /// `entries`: (keyword, case-sensitive, bit). Keywords need at least 2 bytes; shorter ones are ignored.
    init(_ entries: [(String, Bool, UInt64)]) { tables = Tables(entries) }

    /// Keyword occurrences: (start offset, bit), ordered by anchor offset (so by line).
    func hits(_ buf: UnsafeBufferPointer<UInt8>, into out: inout [(Int, UInt64)]) {
        out.removeAll(keepingCapacity: true)
        guard let base = buf.baseAddress, buf.count > 1 else { return }
        let t = tables
        let n = buf.count
        let raw = UnsafeRawPointer(base)
        var i = 0
        let last = n - 1
        while i < last {
            let k = Int(raw.loadUnaligned(fromByteOffset: i, as: UInt16.self).littleEndian)
            if t.pairBits[k >> 6] & (UInt64(1) << UInt64(k & 63)) != 0 {
                let bucket = Int(t.bucketOfPair[Int(t.lower[k & 0xFF]) << 8 | Int(t.lower[k >> 8])])
                if bucket != 0 { t.match(bucket: bucket - 1, base, i, n, &out) }
            }
            i += 1
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

    /// Flat, immutable lookup tables in manually allocated memory (no reference counting in the hot loop).
    final class Tables: @unchecked Sendable {
        /// One bit per raw byte pair (`first | second << 8`) that anchors some keyword, in any ASCII case.
        let pairBits: UnsafeMutablePointer<UInt64>
        /// Bucket number + 1 per lower-cased pair (`first << 8 | second`); 0 when it anchors no keyword.
        let bucketOfPair: UnsafeMutablePointer<UInt8>
        let lower: UnsafeMutablePointer<UInt8>
        /// Keywords of bucket b: bucketEntries[bucketStart[b] ..< bucketStart[b + 1]].
        let bucketStart: UnsafeMutablePointer<Int>
        let bucketEntries: UnsafeMutablePointer<Int>
        /// Keyword k: bytes (as written, or lower-cased when case-insensitive) at bytes[offset[k] ..< offset[k] + length[k]].
        let bytes: UnsafeMutablePointer<UInt8>
        let offset: UnsafeMutablePointer<Int>
        let length: UnsafeMutablePointer<Int>
        let anchor: UnsafeMutablePointer<Int>
        let caseSensitive: UnsafeMutablePointer<Bool>
        let bit: UnsafeMutablePointer<UInt64>
        let count: Int
        let bucketCount: Int
        let byteCount: Int

        init(_ entries: [(String, Bool, UInt64)]) {
            let lowerTable = KeywordMatcher.lowerTable
            var kws: [(bytes: [UInt8], cs: Bool, bit: UInt64, anchor: Int, pair: Int)] = []
            var pairIndex: [Int: Int] = [:]
            var pairOrder: [Int] = []
            var pairBits = [UInt64](repeating: 0, count: 1_024)
            for (text, cs, bit) in entries {
                let written = Array(text.utf8)
                guard written.count >= 2 else { continue }
                let lowered = written.map { lowerTable[Int($0)] }
                var a = 0
                for o in 1..<(written.count - 1)
                where KeywordMatcher.commonness(lowered[o], lowered[o + 1])
                    < KeywordMatcher.commonness(lowered[a], lowered[a + 1]) {
                    a = o
                }
                let pair = Int(lowered[a]) << 8 | Int(lowered[a + 1])
                if pairIndex[pair] == nil {
                    guard pairOrder.count < 255 else { continue }
                    pairIndex[pair] = pairOrder.count
                    pairOrder.append(pair)
                }
                kws.append((cs ? written : lowered, cs, bit, a, pair))
                for x in KeywordMatcher.caseVariants(written[a]) {
                    for y in KeywordMatcher.caseVariants(written[a + 1]) {
                        let r = Int(x) | Int(y) << 8
                        pairBits[r >> 6] |= UInt64(1) << UInt64(r & 63)
                    }
                }
            }
            count = kws.count
            bucketCount = pairOrder.count
            byteCount = kws.reduce(0) { $0 + $1.bytes.count }
            self.pairBits = .allocate(capacity: 1_024)
            self.pairBits.initialize(from: pairBits, count: 1_024)
            bucketOfPair = .allocate(capacity: 65_536)
            bucketOfPair.initialize(repeating: 0, count: 65_536)
            for (b, pair) in pairOrder.enumerated() { bucketOfPair[pair] = UInt8(b + 1) }
            lower = .allocate(capacity: 256)
            lower.initialize(from: lowerTable, count: 256)
            bucketStart = .allocate(capacity: bucketCount + 1)
            bucketEntries = .allocate(capacity: max(count, 1))
            var next = 0
            for (b, pair) in pairOrder.enumerated() {
                bucketStart[b] = next
                for (k, kw) in kws.enumerated() where kw.pair == pair {
                    bucketEntries[next] = k
                    next += 1
                }
            }
            bucketStart[bucketCount] = next
            bytes = .allocate(capacity: max(byteCount, 1))
            offset = .allocate(capacity: max(count, 1))
            length = .allocate(capacity: max(count, 1))
            anchor = .allocate(capacity: max(count, 1))
            caseSensitive = .allocate(capacity: max(count, 1))
            bit = .allocate(capacity: max(count, 1))
            var at = 0
            for (k, kw) in kws.enumerated() {
                offset[k] = at
                length[k] = kw.bytes.count
                anchor[k] = kw.anchor
                caseSensitive[k] = kw.cs
                bit[k] = kw.bit
                for b in kw.bytes {
                    bytes[at] = b
                    at += 1
                }
            }
        }

        deinit {
            pairBits.deallocate()
            bucketOfPair.deallocate()
            lower.deallocate()
            bucketStart.deallocate()
            bucketEntries.deallocate()
            bytes.deallocate()
            offset.deallocate()
            length.deallocate()
            anchor.deallocate()
            caseSensitive.deallocate()
            bit.deallocate()
        }

        /// Appends (start, bit) for each keyword of `bucket` whose anchor pair is at `at`.
        @inline(__always)
        func match(bucket: Int, _ base: UnsafePointer<UInt8>, _ at: Int, _ n: Int, _ out: inout [(Int, UInt64)]) {
            var e = bucketStart[bucket]
            let stop = bucketStart[bucket + 1]
            while e < stop {
                let k = bucketEntries[e]
                e += 1
                let start = at - anchor[k]
                let len = length[k]
                guard start >= 0, start + len <= n else { continue }
                let kw = bytes + offset[k]
                var j = 0
                if caseSensitive[k] {
                    while j < len && base[start + j] == kw[j] { j += 1 }
                } else {
                    while j < len && lower[Int(base[start + j])] == kw[j] { j += 1 }
                }
                if j == len { out.append((start, bit[k])) }
            }
        }
    }

    static func caseVariants(_ b: UInt8) -> [UInt8] {
        let lower = lowerTable[Int(b)]
        return lower >= 0x61 && lower <= 0x7A ? [lower, lower & ~0x20] : [b]
    }

    /// How common a (lower-cased) byte pair is in text: the product of approximate byte frequencies.
    static func commonness(_ a: UInt8, _ b: UInt8) -> Double { frequency[Int(a)] * frequency[Int(b)] }

    /// Approximate frequency (percent) of bytes in English text and source code.
    static let frequency: [Double] = {
        var f = [Double](repeating: 0.5, count: 256)
        let letters: [(Character, Double)] = [
            ("e", 12.7), ("t", 9.1), ("a", 8.2), ("o", 7.5), ("i", 7.0), ("n", 6.7), ("s", 6.3), ("h", 6.1),
            ("r", 6.0), ("d", 4.3), ("l", 4.0), ("c", 2.8), ("u", 2.8), ("m", 2.4), ("w", 2.4), ("f", 2.2),
            ("g", 2.0), ("y", 2.0), ("p", 1.9), ("b", 1.5), ("v", 1.0), ("k", 0.8), ("j", 0.15), ("x", 0.15),
            ("q", 0.1), ("z", 0.07), (" ", 15), ("_", 1.5), ("-", 1.5), (".", 2), ("=", 1.5), ("/", 1),
            (":", 1), ("\"", 1), ("(", 1), (")", 1), (",", 1.5), ("<", 0.5), (">", 0.5),
        ]
        for (c, v) in letters { if let a = c.asciiValue { f[Int(a)] = v } }
        for d in UInt8(ascii: "0")...UInt8(ascii: "9") { f[Int(d)] = 1 }
        return f
    }()
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
