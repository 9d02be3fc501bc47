import Crypto
import SdetkitCore

/// Ed25519 key files for signing packs. A key file holds the 32-byte key as raw bytes, as 64 hex digits,
/// as base64, or as the PEM that `openssl genpkey -algorithm ed25519` (private) and `openssl pkey -pubout`
/// (public) write. Surrounding whitespace is ignored.
public enum SigningKeys {
    static let pkcs8Prefix: [UInt8] = [0x30, 0x2E, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]
    static let spkiPrefix: [UInt8] = [0x30, 0x2A, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x03, 0x21, 0x00]

    public static func privateKey(file: String) throws(TemplateError) -> Curve25519.Signing.PrivateKey {
        let raw = try read(file, what: "signing key")
        let bytes = try keyBytes(raw, derPrefix: pkcs8Prefix, pemLabel: "PRIVATE KEY", what: "signing key", file: file)
        do { return try Curve25519.Signing.PrivateKey(rawRepresentation: bytes) } catch {
            throw .usage("signing key \(file): not a valid Ed25519 private key")
        }
    }

    public static func publicKey(file: String) throws(TemplateError) -> Curve25519.Signing.PublicKey {
        let raw = try read(file, what: "public key")
        let bytes = try keyBytes(raw, derPrefix: spkiPrefix, pemLabel: "PUBLIC KEY", what: "public key", file: file)
        do { return try Curve25519.Signing.PublicKey(rawRepresentation: bytes) } catch {
            throw .usage("public key \(file): not a valid Ed25519 public key")
        }
    }

    static func read(_ file: String, what: String) throws(TemplateError) -> [UInt8] {
        do { return try FileSystem.readBytes(file) } catch { throw .usage("cannot read \(what) \(file): \(error.message)") }
    }

    /// The 32 key bytes from any accepted encoding.
    static func keyBytes(_ raw: [UInt8], derPrefix: [UInt8], pemLabel: String, what: String, file: String) throws(TemplateError) -> [UInt8] {
        if raw.count == 32 { return raw }
        let text = String(decoding: raw, as: UTF8.self).trimmedSpaces
        if text.hasPrefix("-----BEGIN \(pemLabel)-----") {
            let body = text.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
            if let der = Base64.decode(String(body)), der.count == derPrefix.count + 32, Array(der.prefix(derPrefix.count)) == derPrefix {
                return Array(der.suffix(32))
            }
            throw .usage("\(what) \(file): PEM is not an Ed25519 \(pemLabel.lowercased())")
        }
        if text.utf8.count == 64, let b = Hex.decode(text) { return b }
        if let b = Base64.decode(text), b.count == 32 { return b }
        throw .usage("\(what) \(file): expected a 32-byte Ed25519 key as raw bytes, 64 hex digits, base64 or PEM")
    }

    /// Lower-case hex of a public key, for display.
    public static func hex(_ key: Curve25519.Signing.PublicKey) -> String { Digest.hex(Array(key.rawRepresentation)) }
}

enum Hex {
    static func decode(_ s: String) -> [UInt8]? {
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
enum Base64 {
    static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
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

    static func decode(_ s: String) -> [UInt8]? {
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
