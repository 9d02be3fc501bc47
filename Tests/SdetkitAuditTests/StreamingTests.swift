import XCTest

@testable import SdetkitAudit

final class StreamingTests: XCTestCase {
    func run(_ contents: [String: [UInt8]]) -> AuditReport {
        var all = completeGovernance.mapValues { Array($0.utf8) }
        for (k, v) in contents { all[k] = v }
        return Auditor.run(AuditInput.inMemory(all), profile: .default)
    }

    /// A ustar archive of (name, content) members.
    static func tar(_ members: [(String, [UInt8])]) -> [UInt8] {
        var out: [UInt8] = []
        for (name, data) in members {
            var h = [UInt8](repeating: 0, count: 512)
            func put(_ s: String, _ at: Int) { for (i, b) in s.utf8.enumerated() { h[at + i] = b } }
            put(name, 0)
            put("0000644\0", 100)
            put(String(data.count, radix: 8).leftPadded(11) + "\0", 124)
            put("00000000000\0", 136)
            h[156] = UInt8(ascii: "0")
            put("ustar\0", 257)
            put("00", 263)
            put("        ", 148)
            let sum = h.reduce(0) { $0 + Int($1) }
            put(String(sum, radix: 8).leftPadded(6) + "\0 ", 148)
            out += h + data + [UInt8](repeating: 0, count: (512 - data.count % 512) % 512)
        }
        return out + [UInt8](repeating: 0, count: 1024)
    }

    func testSecretOnFirstLineOfLargeDumpIsFound() {
        let akia = "AKIA" + Gen.string(16, Gen.upperDigits, seed: 4_001)
        var dump = Array("INSERT INTO keys VALUES ('\(akia)');\n".utf8)
        let filler = Array("INSERT INTO t VALUES (1, 'some text that is not secret');\n".utf8)
        while dump.count < 1_700_000 { dump += filler }
        dump += Array("-- tail \(akia)\n".utf8)
        let r = run(["db/dump.sql": dump])
        XCTAssertEqual(findings(r, "secrets.aws-access-key-id").map(\.line), [1, dump.filter { $0 == 0x0A }.count])
        XCTAssertTrue(findings(r, "files.not-scanned").isEmpty)
        XCTAssertGreaterThanOrEqual(r.bytesScanned, dump.count)
    }

    func testTarMembersAreScannedAndCompressedArchivesNoted() {
        let ghp = "ghp_" + Gen.string(36, Gen.alnum, seed: 4_002)
        let archive = Self.tar([("conf/app.env", Array("A=1\nTOKEN=\(ghp)\n".utf8)),
                                ("bin/tool", [0x7F, 0x45, 0x00, 0x01]), ("readme.txt", Array("hello\n".utf8))])
        let r = run(["dist/bundle.tar": archive, "dist/site.zip": Array("PK\u{3}\u{4}".utf8)])
        let hits = findings(r, "secrets.github-token")
        XCTAssertEqual(hits.map(\.path), ["dist/bundle.tar!conf/app.env"])
        XCTAssertEqual(hits.map(\.line), [2])
        XCTAssertFalse(allOutputs(r).contains(ghp))
        XCTAssertEqual(findings(r, "files.archive-not-scanned").map(\.path), ["dist/site.zip"])
        XCTAssertEqual(findings(r, "files.archive-not-scanned").first?.severity, .info)
        XCTAssertTrue(findings(r, "files.archive-not-scanned").first?.message.hasPrefix("Not scanned:") ?? false)
        // Not a tar (bad checksum): nothing is read as members.
        let bogus = run(["x.tar": Array(repeating: 0x41, count: 2048)])
        XCTAssertTrue(bogus.findings.filter { $0.path?.contains("!") ?? false }.isEmpty)
    }

    func testFileOverStreamingCapGetsInfoFinding() throws {
        let root = try makeTempDir("cap")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let path = root + "/huge.log"
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: nil))
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        let mib = Data(repeating: UInt8(ascii: "a"), count: 1024 * 1024 - 1) + Data("\n".utf8)
        for _ in 0...(AuditCatalogue.streamScanLimit >> 20) { try h.write(contentsOf: mib) }
        try h.close()
        let files = [AuditFile(path: "huge.log", size: AuditCatalogue.streamScanLimit + (1 << 20))]
        let r = Auditor.run(AuditInput(repoRoot: root, files: files), profile: .default)
        let reported = findings(r, "files.not-scanned")
        XCTAssertEqual(reported.first?.severity, .info)
        XCTAssertTrue(reported.first?.message.hasPrefix("Not scanned:") ?? false)
        XCTAssertEqual(reported.count, 1, "a file past the cap is never skipped silently")
    }
}

extension String {
    func leftPadded(_ n: Int) -> String { String(repeating: "0", count: max(0, n - count)) + self }
}
