import Crypto
import SdetkitCore

/// Ed25519 key files for signing packs: the format and parsing live in SdetkitCore (``Ed25519Keys``, shared
/// with history checkpoints); this keeps the template pack API and its ``TemplateError``s.
public enum SigningKeys {
    static let pkcs8Prefix = Ed25519Keys.pkcs8Prefix
    static let spkiPrefix = Ed25519Keys.spkiPrefix

    public static func privateKey(file: String) throws(TemplateError) -> Curve25519.Signing.PrivateKey {
        do { return try Ed25519Keys.privateKey(file: file) } catch { throw .usage(error.message) }
    }

    public static func publicKey(file: String) throws(TemplateError) -> Curve25519.Signing.PublicKey {
        do { return try Ed25519Keys.publicKey(file: file) } catch { throw .usage(error.message) }
    }

    /// Lower-case hex of a public key, for display.
    public static func hex(_ key: Curve25519.Signing.PublicKey) -> String { Ed25519Keys.hex(key) }
}

enum Hex {
    static func decode(_ s: String) -> [UInt8]? { HexCodec.decode(s) }
}

/// RFC 4648 base64 (standard alphabet, padded): ``Base64Codec``.
enum Base64 {
    static func encode(_ bytes: [UInt8]) -> String { Base64Codec.encode(bytes) }
    static func decode(_ s: String) -> [UInt8]? { Base64Codec.decode(s) }
}
