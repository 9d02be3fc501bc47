import Foundation
import XCTest
import SdetkitCore

/// `history checkpoint` and `history verify --checkpoint` end to end, with OpenSSL-format key files.
final class CheckpointCLITests: XCTestCase {
    var repo = ""
    var key = ""
    var pub = ""
    var ledger: String { repo + "/.sdetkit/agent/history/ledger.jsonl" }

    override func setUpWithError() throws {
        repo = try CLIHarness.makeRepo()
        try CLIHarness.run(["agent", "init"], in: repo)
        let k = Ed25519Signer()
        key = repo + "/../" + Path.basename(repo) + "-key.pem"
        pub = repo + "/../" + Path.basename(repo) + "-pub.hex"
        try FileSystem.writeAtomically("-----BEGIN PRIVATE KEY-----\n\(Base64Codec.encode(Ed25519Keys.pkcs8Prefix + k.rawRepresentation))\n-----END PRIVATE KEY-----\n", to: key)
        try FileSystem.writeAtomically(Digest.hex(k.verifier.rawRepresentation) + "\n", to: pub)
    }

    override func tearDown() {
        for p in [repo, key, pub] { try? FileManager.default.removeItem(atPath: p) }
    }

    func runs(_ n: Int) throws {
        for i in 0..<n {
            let r = try CLIHarness.run(["agent", "run", "action fs.write {\"path\":\".sdetkit/agent/workdir/f\(i).txt\",\"content\":\"\(i)\"}"], in: repo)
            XCTAssertEqual(r.code, 0, r.err)
        }
    }

    func verify(_ checkpoint: String, json: Bool = false) throws -> CLIHarness.Result {
        try CLIHarness.run(["agent", "history", "verify", "--checkpoint", checkpoint, "--public-key", pub] + (json ? ["--json"] : []), in: repo)
    }

    func entries() throws -> [JSONValue] {
        try FileSystem.readString(ledger).split(separator: "\n").map { try JSONParser.parse(String($0)) }
    }

    /// Rewrites the ledger from `objects` (each: its members), re-chaining every entry: what write access allows.
    func writeRechained(_ objects: [[String: JSONValue]]) throws {
        var prev = String(repeating: "0", count: 64)
        var lines: [String] = []
        for (i, var o) in objects.enumerated() {
            o["seq"] = .int(i + 1)
            o["prev"] = .string(prev)
            o.removeValue(forKey: "chain")
            let chain = Digest.sha256Hex(CanonicalJSON.encode(.object(o)))
            o["chain"] = .string(chain)
            prev = chain
            lines.append(CanonicalJSON.string(.object(o)))
        }
        try FileSystem.writeAtomically(lines.joined(separator: "\n") + "\n", to: ledger)
    }

    func testCheckpointThenVerifyExtendsIsExit0AndNamesWhatIsNotCovered() throws {
        try runs(2)
        let cp = repo + "/../" + Path.basename(repo) + "-cp.json"
        defer { try? FileManager.default.removeItem(atPath: cp) }
        let made = try CLIHarness.run(["agent", "history", "checkpoint", "--sign-key", key, "--output", cp], in: repo,
                                      env: ["SOURCE_DATE_EPOCH": "1700000000"])
        XCTAssertEqual(made.code, 0, made.err)
        let file = try JSONParser.parse(FileSystem.readString(cp))
        XCTAssertEqual(file["statement"]?["schema"]?.stringValue, "sdetkit.checkpoint/v1")
        XCTAssertEqual(file["statement"]?["seq"]?.intValue, 2)
        XCTAssertEqual(file["statement"]?["captured_at"]?.stringValue, "2023-11-14T22:13:20Z", "from SOURCE_DATE_EPOCH")
        XCTAssertEqual(file["statement"]?["chain"], try entries()[1]["chain"])
        // stdout carries the same checkpoint when there is no --output.
        let toStdout = try CLIHarness.run(["agent", "history", "checkpoint", "--sign-key", key], in: repo, env: ["SOURCE_DATE_EPOCH": "1700000000"])
        XCTAssertEqual(toStdout.out, try FileSystem.readString(cp))

        try runs(1)
        let ok = try verify(cp)
        XCTAssertEqual(ok.code, 0, ok.err)
        XCTAssertTrue(ok.out.contains("extends sequence 2") && ok.out.contains("1 later entry is not covered"), ok.out)
        let json = try verify(cp, json: true)
        XCTAssertEqual(json.json?["checkpoints"]?.arrayValue?.first?["extends"]?.boolValue, true, json.out)
        XCTAssertEqual(json.json?["checkpoints"]?.arrayValue?.first?["later_entries"]?.intValue, 1, json.out)
    }

    func testAReChainedRewriteAndAForgedLineInPlaceOfACheckpointedOneAreExit3() throws {
        try runs(3)
        let cp = repo + "/../" + Path.basename(repo) + "-cp.json"
        defer { try? FileManager.default.removeItem(atPath: cp) }
        XCTAssertEqual(try CLIHarness.run(["agent", "history", "checkpoint", "--sign-key", key, "--output", cp], in: repo).code, 0)
        let original = try FileSystem.readString(ledger)

        // 1. A re-chained rewrite of entry 1 (its observed duration), accepted by 'history reindex'.
        var objects = try entries().map { $0.objectValue ?? [:] }
        objects[0]["duration_ms"] = .int(999_999)
        try writeRechained(objects)
        XCTAssertEqual(try CLIHarness.run(["agent", "history", "reindex"], in: repo).code, 0)
        let rewritten = try verify(cp)
        XCTAssertEqual(rewritten.code, 3, rewritten.out + rewritten.err)
        XCTAssertTrue(rewritten.err.contains("[checkpoint-rewritten]"), rewritten.err)

        // 2. The last run dropped and a forged line appended in its place, chain recomputed.
        try FileSystem.writeAtomically(original, to: ledger)
        objects = try entries().map { $0.objectValue ?? [:] }
        objects[2]["hash"] = objects[0]["hash"]
        objects[2]["captured_at"] = "2030-01-01T00:00:00Z"
        try writeRechained(objects)
        XCTAssertEqual(try CLIHarness.run(["agent", "history", "reindex"], in: repo).code, 0)
        let forged = try verify(cp)
        XCTAssertEqual(forged.code, 3, forged.out + forged.err)
        XCTAssertTrue(forged.err.contains("[checkpoint-rewritten]") && forged.err.contains("ledger entry 3"), forged.err)

        // 3. Truncated below the checkpoint's sequence.
        try FileSystem.writeAtomically(original.split(separator: "\n").prefix(2).joined(separator: "\n") + "\n", to: ledger)
        XCTAssertEqual(try CLIHarness.run(["agent", "history", "reindex"], in: repo).code, 0)
        let truncated = try verify(cp, json: true)
        XCTAssertEqual(truncated.code, 3)
        XCTAssertEqual(truncated.json?["checkpoints"]?.arrayValue?.first?["problems"]?.arrayValue?.first?["kind"]?.stringValue,
                       "checkpoint-truncated", truncated.out)

        // Back to the real history: it extends the checkpoint again.
        try FileSystem.writeAtomically(original, to: ledger)
        XCTAssertEqual(try CLIHarness.run(["agent", "history", "reindex"], in: repo).code, 0)
        XCTAssertEqual(try verify(cp).code, 0)
    }

    func testABadSignatureAWrongKeyAndAnUnreadableFileAreExit2() throws {
        try runs(1)
        let cp = repo + "/../" + Path.basename(repo) + "-cp.json"
        defer { try? FileManager.default.removeItem(atPath: cp) }
        XCTAssertEqual(try CLIHarness.run(["agent", "history", "checkpoint", "--sign-key", key, "--output", cp], in: repo).code, 0)
        let text = try FileSystem.readString(cp)
        try FileSystem.writeAtomically(text.replacingOccurrences(of: "\"captured_at\":\"", with: "\"captured_at\":\"1"), to: cp)
        let bad = try verify(cp)
        XCTAssertEqual(bad.code, 2, bad.err)
        XCTAssertTrue(bad.err.contains("does not verify"), bad.err)
        XCTAssertEqual(bad.err.split(separator: "\n").count, 1, bad.err)

        try FileSystem.writeAtomically(text, to: cp)
        try FileSystem.writeAtomically(Digest.hex(Ed25519Signer().verifier.rawRepresentation), to: pub)
        let wrong = try verify(cp)
        XCTAssertEqual(wrong.code, 2, wrong.err)
        XCTAssertTrue(wrong.err.contains("not by the given public key"), wrong.err)

        XCTAssertEqual(try verify(repo + "/no-such-checkpoint.json").code, 2)
        XCTAssertEqual(try CLIHarness.run(["agent", "history", "verify", "--checkpoint", cp], in: repo).code, 2, "--public-key is required")
        let pubPEM = repo + "/pub.pem"
        try FileSystem.writeAtomically("-----BEGIN PUBLIC KEY-----\n\(Base64Codec.encode(Ed25519Keys.spkiPrefix + Ed25519Signer().verifier.rawRepresentation))\n-----END PUBLIC KEY-----\n", to: pubPEM)
        XCTAssertEqual(try CLIHarness.run(["agent", "history", "checkpoint", "--sign-key", pubPEM, "--output", cp], in: repo).code, 2,
                       "a public key PEM is not a signing key")
        XCTAssertEqual(try CLIHarness.run(["agent", "history", "checkpoint", "--sign-key", key, "--output", repo], in: repo).code, 2,
                       "a directory is refused")
    }

    func testListAndDashboardWarnInOneLineWhenTheLedgerWasRewrittenBehindTheIndex() throws {
        try runs(2)
        let clean = try CLIHarness.run(["agent", "history", "list"], in: repo)
        XCTAssertEqual(clean.err, "")
        // A same-length rewrite, re-chained, without reindex.
        var objects = try entries().map { $0.objectValue ?? [:] }
        let d = objects[0]["duration_ms"]?.intValue ?? 0
        objects[0]["duration_ms"] = .int(d % 10 == 9 ? d - 1 : d + 1)  // same number of digits: same ledger length
        try writeRechained(objects)
        let list = try CLIHarness.run(["agent", "history", "list"], in: repo)
        XCTAssertEqual(list.code, 0)
        let warnings = list.err.split(separator: "\n").filter { $0.hasPrefix("sdetkit: warning:") }
        XCTAssertEqual(warnings.count, 1, list.err)
        XCTAssertTrue(list.err.contains("history verify"), list.err)
        let dash = try CLIHarness.run(["agent", "dashboard", "build", "--format", "json", "--output", "-"], in: repo)
        XCTAssertEqual(dash.err.split(separator: "\n").filter { $0.contains("is not what the index consumed") }.count, 1, dash.err)
        XCTAssertNotNil(dash.json, "stdout still carries the dashboard")
        XCTAssertEqual(try CLIHarness.run(["agent", "history", "reindex"], in: repo).code, 0)
        XCTAssertEqual(try CLIHarness.run(["agent", "history", "list"], in: repo).err, "")
    }
}
