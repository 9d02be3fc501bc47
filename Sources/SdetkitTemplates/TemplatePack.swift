import Crypto
import SdetkitCore

/// Template packs: a reproducible tar of templates with `SHA256SUMS` and, optionally, an Ed25519
/// signature of it (`SHA256SUMS.sig`, base64). See docs/templates.md.
public enum TemplatePack {
    public static let sumsName = "SHA256SUMS"
    public static let signatureName = "SHA256SUMS.sig"

    public struct Built: Sendable {
        public var bytes: [UInt8]
        /// Archive names of the templates, sorted.
        public var files: [String]
        /// Hex public key matching the signing key, when signed.
        public var publicKey: String?
    }

    public enum SignatureStatus: String, Sendable {
        /// Signed, and the signature verified with the given public key.
        case valid
        /// No signature in the pack (and no public key given).
        case unsigned
        /// Signed, but no public key was given to check it.
        case notChecked = "not_checked"
    }

    public struct Verified: Sendable {
        public var files: [String]
        public var signature: SignatureStatus
    }

    public static func entryName(for template: Template) -> String { "templates/\(template.id).yaml" }

    /// Packs `templates` (one entry per id). Two packs of the same templates are byte-identical; Ed25519
    /// signatures are deterministic too (RFC 8032) with swift-crypto's BoringSSL backend.
    public static func build(_ templates: [Template], signingKey: Curve25519.Signing.PrivateKey? = nil) throws(TemplateError) -> Built {
        var entries: [TarEntry] = []
        var sums = ""
        for t in templates.sorted(by: { $0.id < $1.id }) {
            let name = entryName(for: t)
            entries.append(TarEntry(name: name, bytes: t.bytes))
            sums += "\(Digest.sha256Hex(t.bytes))  \(name)\n"
        }
        let sumBytes = Array(sums.utf8)
        entries.append(TarEntry(name: sumsName, bytes: sumBytes))
        var publicKey: String?
        if let key = signingKey {
            let signature: [UInt8]
            do { signature = Array(try key.signature(for: sumBytes)) } catch {
                throw .usage("cannot sign the pack: \(error)")
            }
            entries.append(TarEntry(name: signatureName, bytes: Array((Base64.encode(signature) + "\n").utf8)))
            publicKey = SigningKeys.hex(key.publicKey)
        }
        return Built(bytes: try Tar.archive(entries, mtime: 0), files: entries.map(\.name).filter { $0.hasPrefix("templates/") }.sorted(),
                     publicKey: publicKey)
    }

    /// Checks every checksum (and the signature, with `publicKey`). Any mismatch, missing or unlisted file,
    /// or a signature that does not verify, is ``TemplateError/integrity(_:)`` (exit 3).
    public static func verify(_ bytes: [UInt8], publicKey: Curve25519.Signing.PublicKey? = nil) throws(TemplateError) -> Verified {
        let entries = try Tar.entries(bytes)
        var byName: [String: [UInt8]] = [:]
        for e in entries {
            guard byName[e.name] == nil else { throw .integrity("'\(e.name)' appears twice in the pack") }
            byName[e.name] = e.bytes
        }
        guard let sums = byName[sumsName] else { throw .integrity("the pack has no \(sumsName); it was not made by 'templates pack'") }
        var listed: [String: String] = [:]
        for (i, raw) in String(decoding: sums, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
            let line = String(raw)
            let hex = String(line.prefix(64))
            var rest = line.dropFirst(64)
            guard Digest.isHex64(hex), rest.hasPrefix("  ") || rest.hasPrefix(" *") else {
                throw .integrity("\(sumsName) line \(i + 1) is malformed; expected '<sha256>  <file>'")
            }
            rest = rest.dropFirst(2)
            let name = String(rest)
            guard listed[name] == nil else { throw .integrity("\(sumsName) lists '\(name)' twice") }
            listed[name] = hex
        }
        for (name, hex) in listed.sorted(by: { $0.key < $1.key }) {
            guard let content = byName[name] else { throw .integrity("'\(name)' is listed in \(sumsName) but missing from the pack") }
            let actual = Digest.sha256Hex(content)
            guard actual == hex else {
                throw .integrity("'\(name)' was modified: SHA-256 \(actual.prefix(16))… does not match \(sumsName) (\(hex.prefix(16))…)")
            }
        }
        for name in byName.keys.sorted() where name != sumsName && name != signatureName && listed[name] == nil {
            throw .integrity("'\(name)' is in the pack but not listed in \(sumsName)")
        }
        var status = SignatureStatus.unsigned
        if let sig = byName[signatureName] {
            guard let signature = Base64.decode(String(decoding: sig, as: UTF8.self).trimmedSpaces), signature.count == 64 else {
                throw .integrity("\(signatureName) is not a base64 Ed25519 signature")
            }
            if let publicKey {
                guard publicKey.isValidSignature(signature, for: sums) else {
                    throw .integrity("the signature in \(signatureName) does not match \(sumsName) for this public key")
                }
                status = .valid
            } else {
                status = .notChecked
            }
        } else if publicKey != nil {
            throw .integrity("the pack is not signed (no \(signatureName)) but a public key was given")
        }
        return Verified(files: listed.keys.filter { $0 != sumsName }.sorted(), signature: status)
    }
}
