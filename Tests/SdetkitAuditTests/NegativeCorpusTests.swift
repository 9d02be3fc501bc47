import XCTest

@testable import SdetkitAudit

/// Text that looks random but is not a secret: no secret rule may fire on it.
final class NegativeCorpusTests: XCTestCase {
    func testLockFilesHashesIdsAndPlaceholdersAreClean() {
        var files: [String: String] = [:]
        var lock = ""
        var sum = ""
        var cargo = ""
        for i in 0..<40 {
            let seed = UInt64(6_000 + i)
            lock += "    \"node_modules/pkg\(i)\": {\n      \"version\": \"1.\(i).0\",\n"
                + "      \"resolved\": \"https://registry.npmjs.org/pkg\(i)/-/pkg\(i)-1.\(i).0.tgz\",\n"
                + "      \"integrity\": \"sha512-\(Gen.string(86, Gen.base64, seed: seed))==\"\n    },\n"
            sum += "github.com/org/mod\(i) v1.\(i).0 h1:\(Gen.string(43, Gen.base64, seed: seed + 100))=\n"
            cargo += "[[package]]\nname = \"crate\(i)\"\nchecksum = \"\(Gen.string(64, Gen.hex, seed: seed + 200))\"\n"
        }
        files["package-lock.json"] = lock
        files["go.sum"] = sum
        files["Cargo.lock"] = cargo
        var ids = ""
        for i in 0..<40 {
            let seed = UInt64(7_000 + i)
            ids += "commit \(Gen.string(40, Gen.hex, seed: seed))\nid: \(Gen.uuid(seed: seed))\n"
                + "sha256: \(Gen.string(64, Gen.hex, seed: seed + 50))\n"
        }
        files["docs/ids.txt"] = ids
        files["config/app.env"] = """
            API_KEY=${API_KEY}
            DB_PASSWORD=<your-password>
            SECRET_KEY=changeme-changeme-changeme
            TOKEN={{ vault_token }}
            password = os.environ["DB_PASSWORD"]
            AWS_ACCESS_KEY_ID=AKIA\("IOSFODNN7EXAMPLE")
            AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCY\("EXAMPLEKEY")
            private_key_file: /etc/ssl/private/server.key
            """
        files["src/pem.py"] = "BEGIN = '-----BEGIN " + "RSA PRIVATE KEY-----'\nEND = '-----END RSA PRIVATE KEY-----'\n"
        files["src/allowed.py"] = "TOKEN = 'ghp_" + Gen.string(36, Gen.alnum, seed: 7_100) + "'  # gitleaks:allow\n"
        files["src/slack.py"] = "example = 'xoxb-" + "abcdef-abcdef'\n"
        let r = audit(files)
        let hits = r.findings.filter { $0.ruleID.hasPrefix("secrets.") }
        XCTAssertEqual(hits.map { "\($0.path ?? ""):\($0.line ?? 0) \($0.ruleID)" }, [])
    }
}
