import Crypto

/// SHA-256 helpers. Digests are lower-case hex.
public enum Digest {
    public static func sha256Hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        hex(Array(SHA256.hash(data: Array(bytes))))
    }

    public static func sha256Hex(_ bytes: [UInt8]) -> String {
        hex(Array(SHA256.hash(data: bytes)))
    }

    public static func sha256Hex(_ string: String) -> String { sha256Hex(Array(string.utf8)) }

    /// A streaming SHA-256.
    public struct Hasher: Sendable {
        var inner = SHA256()
        public init() {}
        public mutating func update(_ bytes: UnsafeRawBufferPointer) { inner.update(bufferPointer: bytes) }
        public mutating func update(_ bytes: [UInt8]) { inner.update(data: bytes) }
        public func finalizeHex() -> String { hex(Array(inner.finalize())) }
    }

    static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    public static func hex(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func isHex64(_ s: String) -> Bool {
        s.utf8.count == 64 && s.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }
}
