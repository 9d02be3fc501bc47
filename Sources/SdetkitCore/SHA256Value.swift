import Crypto

/// A SHA-256 digest as a plain value (four 64-bit words, big-endian order): comparing, hashing and storing
/// one allocates nothing, which matters when `history verify` handles hundreds of thousands of them.
/// Its text form is the 64 lower-case hex digits used everywhere else.
public struct SHA256Value: Hashable, Sendable, Comparable {
    public var w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

    public init(w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64) {
        (self.w0, self.w1, self.w2, self.w3) = (w0, w1, w2, w3)
    }

    /// Nibble value of each byte; 0xFF for anything that is not a lower-case hex digit.
    private static let nibbles: [UInt8] = (0..<256).map { c in
        switch c {
        case 0x30...0x39: return UInt8(c - 0x30)
        case 0x61...0x66: return UInt8(c - 0x61 + 10)
        default: return 0xFF
        }
    }

    /// From 64 lower-case hex digits; nil for anything else (upper case included: hashes are canonical).
    public init?(hex: UnsafeBufferPointer<UInt8>) {
        guard hex.count == 64, let src = hex.baseAddress else { return nil }
        let parsed: (UInt64, UInt64, UInt64, UInt64)? = Self.nibbles.withUnsafeBufferPointer { table in
            let t = table.baseAddress!
            var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
            var bad: UInt8 = 0
            for w in 0..<4 {
                var v: UInt64 = 0
                let p = src + w * 16
                for i in 0..<16 {
                    let d = t[Int(p[i])]
                    bad |= d
                    v = v << 4 | UInt64(d & 0x0F)
                }
                switch w {
                case 0: words.0 = v
                case 1: words.1 = v
                case 2: words.2 = v
                default: words.3 = v
                }
            }
            return bad & 0xF0 == 0 ? words : nil
        }
        guard let parsed else { return nil }
        self.init(w0: parsed.0, w1: parsed.1, w2: parsed.2, w3: parsed.3)
    }

    public init?(hex: String) {
        var s = hex
        guard let v = s.withUTF8({ SHA256Value(hex: $0) }) else { return nil }
        self = v
    }

    /// From 32 digest bytes.
    public init(bytes: UnsafeRawBufferPointer) {
        precondition(bytes.count == 32, "a SHA-256 digest has 32 bytes")
        func word(_ at: Int) -> UInt64 {
            var v: UInt64 = 0
            for i in at..<(at + 8) { v = v << 8 | UInt64(bytes[i]) }
            return v
        }
        self.init(w0: word(0), w1: word(8), w2: word(16), w3: word(24))
    }

    public init(_ digest: SHA256Digest) {
        self = digest.withUnsafeBytes { SHA256Value(bytes: $0) }
    }

    /// 64 lower-case hex digits.
    public var hex: String {
        String(unsafeUninitializedCapacity: 64) { out in
            var i = 0
            for w in [w0, w1, w2, w3] {
                var shift: UInt64 = 60
                for _ in 0..<16 {
                    out[i] = Digest.digits[Int((w >> shift) & 0xF)]
                    i += 1
                    shift &-= 4
                }
            }
            return 64
        }
    }

    /// The first word of a digest is already uniformly distributed: hashing it alone is enough for sets and
    /// dictionaries (equality still compares all four words).
    public func hash(into hasher: inout Hasher) { hasher.combine(w0) }

    public static func < (a: SHA256Value, b: SHA256Value) -> Bool {
        (a.w0, a.w1, a.w2, a.w3) < (b.w0, b.w1, b.w2, b.w3)
    }
}

extension Digest.Hasher {
    /// The digest as a value (no hex string).
    public func finalizeValue() -> SHA256Value { SHA256Value(inner.finalize()) }
}
