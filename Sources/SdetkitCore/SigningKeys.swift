import Crypto

/// Ed25519 key files, shared by template packs and history checkpoints. A key file holds the 32-byte key as
/// raw bytes, as 64 hex digits, as base64, or as the PEM that `openssl genpkey -algorithm ed25519` (private)
/// and `openssl pkey -pubout` (public) write. Surrounding whitespace is ignored.
public enum Ed25519Keys {
    /// DER prefix of a PKCS#8 Ed25519 private key (the 32 key bytes follow).
    public static let pkcs8Prefix: [UInt8] = [0x30, 0x2E, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]
    /// DER prefix of an SPKI Ed25519 public key (the 32 key bytes follow).
    public static let spkiPrefix: [UInt8] = [0x30, 0x2A, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x03, 0x21, 0x00]

    public static func privateKey(file: String) throws(SdetkitError) -> Curve25519.Signing.PrivateKey {
        let raw = try read(file, what: "signing key")
        let bytes = try keyBytes(raw, derPrefix: pkcs8Prefix, pemLabel: "PRIVATE KEY", what: "signing key", file: file)
        do { return try Curve25519.Signing.PrivateKey(rawRepresentation: bytes) } catch {
            throw SdetkitError("signing key \(file): not a valid Ed25519 private key")
        }
    }

    public static func publicKey(file: String) throws(SdetkitError) -> Curve25519.Signing.PublicKey {
        let raw = try read(file, what: "public key")
        let bytes = try keyBytes(raw, derPrefix: spkiPrefix, pemLabel: "PUBLIC KEY", what: "public key", file: file)
        do { return try Curve25519.Signing.PublicKey(rawRepresentation: bytes) } catch {
            throw SdetkitError("public key \(file): not a valid Ed25519 public key")
        }
    }

    static func read(_ file: String, what: String) throws(SdetkitError) -> [UInt8] {
        do { return try FileSystem.readBytes(file) } catch { throw SdetkitError("cannot read \(what) \(file): \(error.message)") }
    }

    /// The 32 key bytes from any accepted encoding.
    public static func keyBytes(_ raw: [UInt8], derPrefix: [UInt8], pemLabel: String, what: String, file: String) throws(SdetkitError) -> [UInt8] {
        if raw.count == 32 { return raw }
        let text = String(decoding: raw, as: UTF8.self).trimmingSpaces()
        if text.hasPrefix("-----BEGIN \(pemLabel)-----") {
            let body = text.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
            if let der = Base64Codec.decode(String(body)), der.count == derPrefix.count + 32, Array(der.prefix(derPrefix.count)) == derPrefix {
                return Array(der.suffix(32))
            }
            throw SdetkitError("\(what) \(file): PEM is not an Ed25519 \(pemLabel.lowercased())")
        }
        if text.utf8.count == 64, let b = HexCodec.decode(text) { return b }
        if let b = Base64Codec.decode(text), b.count == 32 { return b }
        throw SdetkitError("\(what) \(file): expected a 32-byte Ed25519 key as raw bytes, 64 hex digits, base64 or PEM")
    }

    /// Lower-case hex of a public key, for display.
    public static func hex(_ key: Curve25519.Signing.PublicKey) -> String { Digest.hex(Array(key.rawRepresentation)) }

    /// A public key's fingerprint: the SHA-256 (lower-case hex) of its 32 raw bytes.
    public static func fingerprint(_ key: Curve25519.Signing.PublicKey) -> String { Digest.sha256Hex(Array(key.rawRepresentation)) }
}

/// An Ed25519 private key, for modules that sign without depending on swift-crypto themselves.
public struct Ed25519Signer: Sendable {
    public let key: Curve25519.Signing.PrivateKey

    public init(key: Curve25519.Signing.PrivateKey) { self.key = key }
    public init(file: String) throws(SdetkitError) { key = try Ed25519Keys.privateKey(file: file) }
    /// A new random key.
    public init() { key = Curve25519.Signing.PrivateKey() }

    /// The 32 private key bytes (what a raw key file holds).
    public var rawRepresentation: [UInt8] { Array(key.rawRepresentation) }

    public var verifier: Ed25519Verifier { Ed25519Verifier(key: key.publicKey) }

    /// The 64-byte signature of `bytes`.
    public func sign(_ bytes: [UInt8]) throws(SdetkitError) -> [UInt8] {
        do { return Array(try key.signature(for: bytes)) } catch { throw SdetkitError("cannot sign: \(error)") }
    }
}

/// An Ed25519 public key, for modules that verify without depending on swift-crypto themselves.
public struct Ed25519Verifier: Sendable {
    public let key: Curve25519.Signing.PublicKey

    public init(key: Curve25519.Signing.PublicKey) { self.key = key }
    public init(file: String) throws(SdetkitError) { key = try Ed25519Keys.publicKey(file: file) }

    public var fingerprint: String { Ed25519Keys.fingerprint(key) }
    public var hex: String { Ed25519Keys.hex(key) }
    /// The 32 public key bytes.
    public var rawRepresentation: [UInt8] { Array(key.rawRepresentation) }

    public func isValid(signature: [UInt8], for bytes: [UInt8]) -> Bool {
        signature.count == 64 && key.isValidSignature(signature, for: bytes)
    }
}

public enum HexCodec {
    /// Bytes from hex digits (either case); nil for an odd length or a non-hex character.
    public static func decode(_ s: String) -> [UInt8]? {
        let u = Array(s.utf8)
        guard u.count % 2 == 0 else { return nil }
        func nib(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: return c - 0x30
            case 0x61...0x66: return c - 0x61 + 10
            case 0x41...0x46: return c - 0x41 + 10
            default: return nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(u.count / 2)
        var i = 0
        while i < u.count {
            guard let hi = nib(u[i]), let lo = nib(u[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }
}

/// RFC 4648 base64 (standard alphabet, padded).
public enum Base64Codec {
    static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    public static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            let n = min(3, bytes.count - i)
            let b0 = bytes[i], b1 = n > 1 ? bytes[i + 1] : 0, b2 = n > 2 ? bytes[i + 2] : 0
            out.append(alphabet[Int(b0 >> 2)])
            out.append(alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)])
            out.append(n > 1 ? alphabet[Int((b1 & 0x0F) << 2 | b2 >> 6)] : UInt8(ascii: "="))
            out.append(n > 2 ? alphabet[Int(b2 & 0x3F)] : UInt8(ascii: "="))
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Bytes from base64 (whitespace ignored); nil when the text is not base64.
    public static func decode(_ s: String) -> [UInt8]? {
        var values: [UInt8] = []
        var padding = 0
        for c in s.utf8 {
            switch c {
            case 0x41...0x5A: values.append(c - 0x41)
            case 0x61...0x7A: values.append(c - 0x61 + 26)
            case 0x30...0x39: values.append(c - 0x30 + 52)
            case UInt8(ascii: "+"): values.append(62)
            case UInt8(ascii: "/"): values.append(63)
            case UInt8(ascii: "="): padding += 1; continue
            case 0x20, 0x0A, 0x0D, 0x09: continue
            default: return nil
            }
            if padding > 0 { return nil }
        }
        guard padding <= 2, (values.count + padding) % 4 == 0 || padding == 0 else { return nil }
        guard values.count % 4 != 1 else { return nil }
        var out: [UInt8] = []
        var i = 0
        while i < values.count {
            let chunk = Array(values[i..<min(i + 4, values.count)])
            out.append(chunk[0] << 2 | (chunk.count > 1 ? chunk[1] >> 4 : 0))
            if chunk.count > 2 { out.append(chunk[1] << 4 | chunk[2] >> 2) }
            if chunk.count > 3 { out.append(chunk[2] << 6 | chunk[3]) }
            i += 4
        }
        return out
    }
}
