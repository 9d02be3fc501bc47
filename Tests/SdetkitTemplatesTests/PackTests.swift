import Crypto
import XCTest
import SdetkitCore
@testable import SdetkitTemplates

final class PackTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws {
        dir = "/tmp/sdetkit-tpl-pack-\(UInt32.random(in: 0...UInt32.max))"
        try FileSystem.createDirectories(dir)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    func templates() -> [Template] { TemplateCatalog.discover(repoRoot: nil).templates.map(\.template) }

    func verify(_ bytes: [UInt8], key: Curve25519.Signing.PublicKey? = nil) -> Result<TemplatePack.Verified, TemplateError> {
        do throws(TemplateError) { return .success(try TemplatePack.verify(bytes, publicKey: key)) } catch { return .failure(error) }
    }

    func integrityProblem(_ bytes: [UInt8], key: Curve25519.Signing.PublicKey? = nil) -> String? {
        guard case .failure(let e) = verify(bytes, key: key) else { return nil }
        XCTAssertEqual(e.exitStatus, .integrity, e.message)
        return e.message
    }

    func testTarIsReproducibleAndReadable() throws {
        let entries = [TarEntry(name: "b.txt", bytes: Array("bee\n".utf8)), TarEntry(name: "a/x.txt", bytes: Array(repeating: 0x41, count: 700)),
                       TarEntry(name: String(repeating: "d", count: 120) + "/" + String(repeating: "f", count: 90), bytes: [])]
        let one = try Tar.archive(entries, mtime: 1_700_000_000)
        let two = try Tar.archive(entries.reversed(), mtime: 1_700_000_000)
        XCTAssertEqual(one, two, "order of input does not matter")
        XCTAssertEqual(one.count % 10_240, 0)
        XCTAssertNotEqual(one, try Tar.archive(entries, mtime: 0))
        let back = try Tar.entries(one)
        XCTAssertEqual(back.map(\.name), entries.map(\.name).sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
        XCTAssertEqual(back.first { $0.name == "a/x.txt" }?.bytes.count, 700)
        // Fixed ownership and mode: uid/gid 0, mode 0644, empty user and group names.
        XCTAssertEqual(Array(one[100..<107]), Array("0000644".utf8))
        XCTAssertEqual(Array(one[108..<115]), Array("0000000".utf8))
        XCTAssertEqual(Array(one[265..<297]), Array(repeating: 0, count: 32))
        XCTAssertThrowsError(try Tar.archive([TarEntry(name: "../x", bytes: [])]))
    }

    func testTarReadableBySystemTar() throws {
        let archive = try Tar.archive([TarEntry(name: "dir/hello.txt", bytes: Array("hi\n".utf8))], mtime: 0)
        try FileSystem.writeAtomically(archive, to: dir + "/t.tar")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/tar")
        p.arguments = ["-xf", dir + "/t.tar", "-C", dir]
        try p.run()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        XCTAssertEqual(try FileSystem.readString(dir + "/dir/hello.txt"), "hi\n")
    }

    func testPackIsReproducibleAndVerifies() throws {
        let a = try TemplatePack.build(templates())
        let b = try TemplatePack.build(templates().reversed())
        XCTAssertEqual(a.bytes, b.bytes)
        XCTAssertNil(a.publicKey)
        XCTAssertEqual(a.files.count, ShippedPack.files.count)
        let v = try verify(a.bytes).get()
        XCTAssertEqual(v.signature, .unsigned)
        XCTAssertEqual(v.files, a.files)
        let names = try Tar.entries(a.bytes).map(\.name)
        XCTAssertEqual(names.first, "SHA256SUMS")
        XCTAssertTrue(names.dropFirst().allSatisfy { $0.hasPrefix("templates/") && $0.hasSuffix(".yaml") })
    }

    func testTamperedPackIsAnIntegrityError() throws {
        let good = try TemplatePack.build(templates()).bytes
        var flipped = good
        let at = try XCTUnwrap(indexOf(Array("metadata:".utf8), in: flipped))
        flipped[at] = UInt8(ascii: "M")
        XCTAssertTrue(integrityProblem(flipped)?.contains("was modified") == true)

        var header = good
        header[10] ^= 0x01
        XCTAssertTrue(integrityProblem(header)?.contains("checksum mismatch") == true)

        XCTAssertTrue(integrityProblem(Array(good.prefix(700)))?.contains("truncated") == true)

        // An extra file not listed in SHA256SUMS.
        let extra = try Tar.archive(try Tar.entries(good) + [TarEntry(name: "templates/evil.yaml", bytes: Array("x".utf8))])
        XCTAssertTrue(integrityProblem(extra)?.contains("not listed") == true)
        XCTAssertTrue(integrityProblem(Array("not a tar at all".utf8))  != nil)
    }

    func testSignedPacks() throws {
        let key = Curve25519.Signing.PrivateKey()
        let signed = try TemplatePack.build(templates(), signingKey: key)
        XCTAssertEqual(signed.bytes, try TemplatePack.build(templates(), signingKey: key).bytes, "Ed25519 signatures are deterministic")
        XCTAssertEqual(signed.publicKey, Digest.hex(Array(key.publicKey.rawRepresentation)))
        XCTAssertEqual(try verify(signed.bytes, key: key.publicKey).get().signature, .valid)
        XCTAssertEqual(try verify(signed.bytes).get().signature, .notChecked)
        XCTAssertTrue(integrityProblem(signed.bytes, key: Curve25519.Signing.PrivateKey().publicKey)?.contains("does not match") == true)
        let unsigned = try TemplatePack.build(templates())
        XCTAssertTrue(integrityProblem(unsigned.bytes, key: key.publicKey)?.contains("not signed") == true)

        // A re-signed SHA256SUMS with a different key: the checksums hold, the signature does not.
        var entries = try Tar.entries(signed.bytes)
        let other = Curve25519.Signing.PrivateKey()
        let sums = try XCTUnwrap(entries.first { $0.name == "SHA256SUMS" }).bytes
        entries = entries.filter { $0.name != "SHA256SUMS.sig" }
            + [TarEntry(name: "SHA256SUMS.sig", bytes: Array((Base64.encode(Array(try other.signature(for: sums))) + "\n").utf8))]
        XCTAssertTrue(integrityProblem(try Tar.archive(entries), key: key.publicKey)?.contains("does not match") == true)
    }

    func testKeyFileFormats() throws {
        let key = Curve25519.Signing.PrivateKey()
        let raw = Array(key.rawRepresentation)
        let pub = Array(key.publicKey.rawRepresentation)
        let files: [(String, [UInt8])] = [
            ("raw", raw), ("hex", Array((Digest.hex(raw) + "\n").utf8)), ("b64", Array(Base64.encode(raw).utf8)),
            // The PEM armour is assembled at run time so this file does not itself look like a committed key.
            ("pem", Array(("-----BEGIN " + "PRIVATE KEY-----\n\(Base64.encode(SigningKeys.pkcs8Prefix + raw))\n-----END " + "PRIVATE KEY-----\n").utf8)),
        ]
        for (name, bytes) in files {
            try FileSystem.writeAtomically(bytes, to: dir + "/" + name)
            XCTAssertEqual(Array(try SigningKeys.privateKey(file: dir + "/" + name).rawRepresentation), raw, name)
        }
        try FileSystem.writeAtomically("-----BEGIN PUBLIC KEY-----\n\(Base64.encode(SigningKeys.spkiPrefix + pub))\n-----END PUBLIC KEY-----\n",
                                       to: dir + "/pub.pem")
        XCTAssertEqual(Array(try SigningKeys.publicKey(file: dir + "/pub.pem").rawRepresentation), pub)
        try FileSystem.writeAtomically(Digest.hex(pub), to: dir + "/pub.hex")
        XCTAssertEqual(Array(try SigningKeys.publicKey(file: dir + "/pub.hex").rawRepresentation), pub)
        try FileSystem.writeAtomically("not a key", to: dir + "/bad")
        XCTAssertThrowsError(try SigningKeys.privateKey(file: dir + "/bad"))
        XCTAssertThrowsError(try SigningKeys.privateKey(file: dir + "/missing"))
    }

    func testBase64RoundTrip() {
        for n in 0..<70 {
            let bytes = (0..<n).map { UInt8(($0 * 37 + n) & 0xFF) }
            XCTAssertEqual(Base64.decode(Base64.encode(bytes)), bytes)
        }
        XCTAssertEqual(Base64.encode(Array("foobar".utf8)), "Zm9vYmFy")
        XCTAssertEqual(Base64.encode(Array("fo".utf8)), "Zm8=")
        XCTAssertNil(Base64.decode("Zm9v!"))
    }

    func indexOf(_ needle: [UInt8], in hay: [UInt8]) -> Int? {
        guard hay.count >= needle.count else { return nil }
        for i in 0...(hay.count - needle.count) where hay[i] == needle[0] && Array(hay[i..<(i + needle.count)]) == needle { return i }
        return nil
    }
}
