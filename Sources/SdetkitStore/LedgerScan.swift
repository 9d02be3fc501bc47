import SdetkitCore

/// What `verify` needs of a ledger line, read straight from its bytes.
///
/// Ledger lines are written in canonical JSON, so the chain hash can be checked without parsing: it is the
/// SHA-256 of the line with its `"chain":"<64 hex>",` member removed. Keys are found only at structural
/// positions (after `{` or `,`): inside a JSON string a quote is always escaped, so no value can fake them.
/// Anything unexpected falls back to a full parse, which also arbitrates a byte-level chain mismatch.
struct LedgerFacts: Sendable {
    var seq: Int
    var hash: SHA256Value
    var prev: SHA256Value
    var chain: SHA256Value
    var chainValid: Bool
    /// The `hash` field as written, when it is not 64 lower-case hex digits (a damaged entry; `hash` is then
    /// a value no record can have).
    var oddHashText: String? = nil

    var hashText: String { oddHashText ?? hash.hex }

    init?(line: ArraySlice<UInt8>) {
        if let fast = LedgerFacts.scan(line) {
            if fast.chainValid { self = fast; return }
        }
        guard let entry = LedgerEntry(line: line) else { return nil }
        self.init(seq: entry.seq, hash: Self.value(entry.hash), prev: Self.value(entry.prev), chain: Self.value(entry.chain),
                  chainValid: entry.computedChain == entry.chain)
        if SHA256Value(hex: entry.hash) == nil { oddHashText = entry.hash }
    }

    init(seq: Int, hash: SHA256Value, prev: SHA256Value, chain: SHA256Value, chainValid: Bool) {
        self.seq = seq
        self.hash = hash
        self.prev = prev
        self.chain = chain
        self.chainValid = chainValid
    }

    /// A hex field as a value; text that is not a SHA-256 hex digest maps to the digest of that text with a
    /// prefix, which no record, chain or genesis value can equal.
    static func value(_ text: String) -> SHA256Value {
        SHA256Value(hex: text) ?? SHA256Value(hex: Digest.sha256Hex("sdetkit:not-a-digest:" + text))!
    }

    static func scan(_ line: ArraySlice<UInt8>) -> LedgerFacts? {
        line.withUnsafeBufferPointer { buf -> LedgerFacts? in
            // Canonical key order: captured_at, chain, duration_ms, hash, host?, notes?, prev, seq, tool — so each
            // search starts where the previous key was found, and the line is scanned once.
            guard let chainKey = find(#""chain":""#, in: buf),
                  let (hash, afterHash) = hex64(after: #""hash":""#, in: buf, from: chainKey),
                  let (prev, afterPrev) = hex64(after: #""prev":""#, in: buf, from: afterHash),
                  let seq = integer(after: #""seq":"#, in: buf, from: afterPrev) else { return nil }
            let valueStart = chainKey + 9
            guard valueStart + 66 <= buf.count, buf[valueStart + 64] == 0x22, buf[valueStart + 65] == 0x2C,
                  let chain = hexValue(buf, valueStart) else { return nil }
            var hasher = Digest.Hasher()
            hasher.update(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: buf[0..<chainKey])))
            hasher.update(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: buf[(valueStart + 66)...])))
            return LedgerFacts(seq: seq, hash: hash, prev: prev, chain: chain, chainValid: hasher.finalizeValue() == chain)
        }
    }

    /// Offset of `key` where it starts a member (preceded by `{` or `,`).
    static func find(_ key: StaticString, in buf: UnsafeBufferPointer<UInt8>, from: Int = 1) -> Int? {
        let k = UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount)
        guard buf.count > k.count else { return nil }
        var i = max(1, from)
        while i + k.count <= buf.count {
            if buf[i] == k[0], buf[i - 1] == 0x7B || buf[i - 1] == 0x2C {
                var j = 1
                while j < k.count && buf[i + j] == k[j] { j += 1 }
                if j == k.count { return i }
            }
            i += 1
        }
        return nil
    }

    static func hex64(after key: StaticString, in buf: UnsafeBufferPointer<UInt8>, from: Int) -> (SHA256Value, Int)? {
        guard let at = find(key, in: buf, from: from) else { return nil }
        let start = at + key.utf8CodeUnitCount
        guard start + 65 <= buf.count, buf[start + 64] == 0x22, let value = hexValue(buf, start) else { return nil }
        return (value, start + 65)
    }

    static func hexValue(_ buf: UnsafeBufferPointer<UInt8>, _ start: Int) -> SHA256Value? {
        SHA256Value(hex: UnsafeBufferPointer(rebasing: buf[start..<(start + 64)]))
    }

    static func integer(after key: StaticString, in buf: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        guard let at = find(key, in: buf, from: from) else { return nil }
        var i = at + key.utf8CodeUnitCount
        var v = 0
        var digits = 0
        while i < buf.count, (0x30...0x39).contains(buf[i]), digits < 18 {
            v = v * 10 + Int(buf[i] - 0x30)
            i += 1
            digits += 1
        }
        guard digits > 0, i < buf.count, buf[i] == 0x2C || buf[i] == 0x7D else { return nil }
        return v
    }
}
