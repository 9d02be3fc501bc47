/// The keyword pre-filter: one pass over a file finds, per line, which rules' keywords occur.
///
/// Every byte pair is looked up (ASCII-lower-cased) in a 64 Ki-entry table of keyword prefixes; only on a hit are
/// the few keywords of that bucket compared. Only lines with a keyword go on to the (far slower) regexes.
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
    /// Bucket number + 1 for each lower-cased byte pair; 0 when no keyword starts with that pair.
    let bucketOfPair: [UInt8]
    let buckets: [[Int]]

    static let lowerTable: [UInt8] = (0...255).map { (b: Int) -> UInt8 in
        let byte = UInt8(b)
        return byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
    }

    /// `entries`: (keyword, case-sensitive, bit). Keywords need at least 2 bytes; shorter ones are ignored.
    init(_ entries: [(String, Bool, UInt64)]) {
        var keywords: [Keyword] = []
        var bucketOfPair = [UInt8](repeating: 0, count: 65_536)
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
        }
        self.keywords = keywords
        self.bucketOfPair = bucketOfPair
        self.buckets = buckets
    }

    /// Calls `visit(lineStart, lineEnd, lineNumber, mask)` for each line (end excludes the '\n') whose mask of
    /// keyword bits is non-zero. Line numbers are 1-based.
    func scanLines(_ buf: UnsafeBufferPointer<UInt8>, _ visit: (Int, Int, Int, UInt64) -> Void) {
        guard let base = buf.baseAddress, buf.count > 0 else { return }
        let n = buf.count
        Self.lowerTable.withUnsafeBufferPointer { lower in
            bucketOfPair.withUnsafeBufferPointer { pairs in
                var line = 1
                var lineStart = 0
                var mask: UInt64 = 0
                var i = 0
                let last = n - 1
                while i < last {
                    let b = base[i]
                    if b == 0x0A {
                        if mask != 0 { visit(lineStart, i, line, mask); mask = 0 }
                        line += 1
                        lineStart = i + 1
                        i += 1
                        continue
                    }
                    let bucket = pairs[Int(lower[Int(b)]) << 8 | Int(lower[Int(base[i + 1])])]
                    if bucket != 0 { mask |= matchBucket(Int(bucket) - 1, base, i, n, lower) }
                    i += 1
                }
                if base[last] == 0x0A {
                    if mask != 0 { visit(lineStart, last, line, mask) }
                } else if mask != 0 {
                    visit(lineStart, n, line, mask)
                }
            }
        }
    }

    /// The mask of keyword bits occurring anywhere in `buf` (no line splitting).
    func mask(of buf: UnsafeBufferPointer<UInt8>) -> UInt64 {
        guard let base = buf.baseAddress, buf.count > 1 else { return 0 }
        let n = buf.count
        var mask: UInt64 = 0
        Self.lowerTable.withUnsafeBufferPointer { lower in
            bucketOfPair.withUnsafeBufferPointer { pairs in
                for i in 0..<(n - 1) {
                    let bucket = pairs[Int(lower[Int(base[i])]) << 8 | Int(lower[Int(base[i + 1])])]
                    if bucket != 0 { mask |= matchBucket(Int(bucket) - 1, base, i, n, lower) }
                }
            }
        }
        return mask
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
        var i = 0
        while i < n {
            if buf[i] == 0 { return true }
            i += 1
        }
        return false
    }
}
