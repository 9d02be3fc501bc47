import Crypto
import Foundation
import XCTest
@testable import SdetkitCore
@testable import SdetkitStore

/// Checkpoints (issue #12 item 4): what a signed (sequence, chain head) proves and what it does not; the index
/// cross-check of `verify`; the cheap head check of `history list` and dashboards.
final class CheckpointTests: XCTestCase {
    var root = ""
    var store: HistoryStore!
    let signer = Ed25519Signer(key: Curve25519.Signing.PrivateKey())

    override func setUpWithError() throws {
        (root, store) = try makeTempStore("checkpoint")
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: root) }

    func record(_ task: String) -> RunRecord {
        RunRecord(kind: "agent.run", task: task, planner: "none", steps: [], actions: [], status: .ok, configDigest: "cfg",
                  repo: RepoState(head: "abc", branch: "main", dirty: false), provider: "none")
    }

    func observation(_ i: Int) -> RunObservation {
        RunObservation(capturedAt: RunClock.rfc3339(epochSeconds: 1_700_000_000 + Int64(i)), durationMs: 3, tool: "sdetkit test", host: nil)
    }

    @discardableResult
    func appendSome(_ n: Int) throws -> [LedgerEntry] {
        try (0..<n).map { try store.append(record: record("task \($0)"), observation: observation($0)) }
    }

    var ledgerPath: String { root + "/.sdetkit/agent/history/ledger.jsonl" }

    func entries() throws -> [LedgerEntry] { try store.ledgerEntries() }

    /// Writes `entries` as the ledger, re-chaining them from the first: what someone with write access can do.
    func writeRechained(_ entries: [LedgerEntry]) throws {
        var prev = LedgerEntry.genesis
        var lines: [String] = []
        for (i, e) in entries.enumerated() {
            let fresh = LedgerEntry(seq: i + 1, hash: e.hash, observation: e.observation, prev: prev)
            prev = fresh.chain
            lines.append(String(decoding: fresh.line, as: UTF8.self))
        }
        try FileSystem.writeAtomically(lines.joined(separator: "\n") + "\n", to: ledgerPath)
    }

    /// Stores a record object without a ledger entry; returns its hash.
    func storeObject(_ r: RunRecord) throws -> String {
        let bytes = r.canonicalBytes
        let hash = Digest.sha256Hex(bytes)
        try FileSystem.createDirectories(Path.dirname(store.objectPath(hash)))
        try FileSystem.createAtomically(bytes, at: store.objectPath(hash))
        return hash
    }

    func checkpoint() throws -> (Checkpoint, [UInt8]) {
        try Checkpoint.signed(entry: XCTUnwrap(try store.ledgerHead()), capturedAt: "2026-01-01T00:00:00Z", signer: signer)
    }

    func kinds(_ c: CheckpointCheck) -> [String] { c.problems.map(\.kind) }

    // MARK: - The statement and its signature

    func testACheckpointOpensWithItsKeyOnlyAndAnyChangedByteIsRefused() throws {
        try appendSome(3)
        let (cp, bytes) = try checkpoint()
        XCTAssertEqual(cp.seq, 3)
        XCTAssertEqual(cp.chain, try entries()[2].chain)
        XCTAssertEqual(cp.record, try entries()[2].hash)
        XCTAssertEqual(cp.key, Digest.sha256Hex(Array(signer.key.publicKey.rawRepresentation)))
        XCTAssertEqual(bytes.last, 0x0A)
        XCTAssertEqual(bytes.filter { $0 == 0x0A }.count, 1, "one line")
        XCTAssertEqual(try Checkpoint.open(bytes, file: "cp", verifier: signer.verifier), cp)
        XCTAssertEqual(try Checkpoint.signed(entry: XCTUnwrap(try store.ledgerHead()), capturedAt: "2026-01-01T00:00:00Z", signer: signer).1,
                       bytes, "Ed25519 is deterministic: the same statement gives the same file")

        let other = Ed25519Signer(key: Curve25519.Signing.PrivateKey()).verifier
        XCTAssertThrowsError(try Checkpoint.open(bytes, file: "cp", verifier: other)) {
            XCTAssertTrue(($0 as? SdetkitError)?.message.contains("not by the given public key") == true, "\($0)")
            XCTAssertEqual(($0 as? SdetkitError)?.exitStatus, .usage)
        }
        // A statement edited to point at another sequence no longer verifies.
        let text = String(decoding: bytes, as: UTF8.self)
        let edited = Array(text.replacingOccurrences(of: "\"seq\":3", with: "\"seq\":2").utf8)
        XCTAssertNotEqual(edited, bytes)
        XCTAssertThrowsError(try Checkpoint.open(edited, file: "cp", verifier: signer.verifier)) {
            XCTAssertTrue(($0 as? SdetkitError)?.message.contains("does not verify") == true, "\($0)")
        }
        // A statement with a member the signature does not cover is refused, not half-checked.
        let extra = Array(text.replacingOccurrences(of: "\"seq\":3}", with: "\"seq\":3,\"x\":1}").utf8)
        XCTAssertThrowsError(try Checkpoint.open(extra, file: "cp", verifier: signer.verifier))
        XCTAssertThrowsError(try Checkpoint.open(Array("{}".utf8), file: "cp", verifier: signer.verifier))
        XCTAssertThrowsError(try Checkpoint.open(Array(text.replacingOccurrences(of: "checkpoint/v1", with: "checkpoint/v9").utf8),
                                                 file: "cp", verifier: signer.verifier))
    }

    // MARK: - What a checkpoint proves

    func testTheHistoryExtendsItsCheckpointAndLaterEntriesAreCountedNotCovered() throws {
        try appendSome(3)
        let (cp, _) = try checkpoint()
        XCTAssertTrue(try store.check(cp).extends)
        try appendSome(2)
        let c = try store.check(cp)
        XCTAssertTrue(c.extends, "\(c.problems)")
        XCTAssertEqual(c.laterEntries, 2)
    }

    func testAReChainedRewriteBeforeTheCheckpointIsCaughtEvenAfterReindex() throws {
        try appendSome(5)
        let (cp, _) = try checkpoint()
        // Rewrite run 2's record, re-chain every entry after it, accept the result in the index.
        let forged = try storeObject(record("forged"))
        var es = try entries()
        es[1].hash = forged
        try writeRechained(es)
        try store.reindex()
        XCTAssertNil(store.headCheckWarning(), "after reindex the index agrees with the rewritten ledger: only a checkpoint tells")
        let c = try store.check(cp)
        XCTAssertEqual(kinds(c), ["checkpoint-rewritten"], "\(c.problems)")
        XCTAssertEqual(c.problems.first?.seq, 5)
    }

    func testAForgedLineReplacingACheckpointedEntryIsCaughtButOneAppendedAfterItIsNot() throws {
        try appendSome(3)
        let (cp, _) = try checkpoint()
        // A forged line appended after the checkpoint, chain recomputed: the checkpoint says nothing about it.
        let forged = try storeObject(record("forged"))
        var es = try entries()
        try writeRechained(es + [LedgerEntry(seq: 4, hash: forged, observation: observation(9), prev: "")])
        let after = try store.check(cp)
        XCTAssertTrue(after.extends, "a checkpoint covers entries up to its sequence, never after: \(after.problems)")
        XCTAssertEqual(after.laterEntries, 1)
        // The same forged line in place of the checkpointed run 3 (the real one dropped): caught.
        es[2] = LedgerEntry(seq: 3, hash: forged, observation: observation(9), prev: "")
        try writeRechained(es)
        try store.reindex()
        let replaced = try store.check(cp)
        XCTAssertEqual(kinds(replaced), ["checkpoint-rewritten"], "\(replaced.problems)")
        XCTAssertTrue(replaced.problems[0].detail.contains("re-chained"), replaced.problems[0].detail)
        // Only the record hash differs, the chain field is kept: the recomputed chain exposes it.
        var lines = try FileSystem.readString(ledgerPath).split(separator: "\n").map(String.init)
        lines[0] = lines[0].replacingOccurrences(of: "\"duration_ms\":3", with: "\"duration_ms\":4")
        try FileSystem.writeAtomically(lines.joined(separator: "\n") + "\n", to: ledgerPath)
        let edited = try store.check(cp)
        XCTAssertEqual(kinds(edited), ["checkpoint-rewritten"])
        XCTAssertEqual(edited.problems.first?.seq, 1)
    }

    func testATruncationBelowTheCheckpointIsCaught() throws {
        try appendSome(4)
        let (cp, _) = try checkpoint()
        try writeRechained(Array(try entries().prefix(2)))
        try store.reindex()
        let c = try store.check(cp)
        XCTAssertEqual(kinds(c), ["checkpoint-truncated"], "\(c.problems)")
        try FileSystem.writeAtomically("", to: ledgerPath)
        XCTAssertEqual(kinds(try store.check(cp)), ["checkpoint-truncated"])
    }

    // MARK: - Index cross-check

    func testAnIndexRowRewrittenWithSQLiteIsAnIndexMismatchUntilReindex() throws {
        try appendSome(4)
        XCTAssertEqual(try store.indexCrossCheck(), [])
        XCTAssertTrue(try store.verifyWithIndex().ok)
        let other = try storeObject(record("other"))
        do {
            let db = try SQLiteDatabase(path: store.layout.indexPath)
            try db.execute("UPDATE runs SET hash = '\(other)' WHERE seq = 2; DELETE FROM runs WHERE seq = 3;")
        }
        let problems = try store.indexCrossCheck()
        XCTAssertEqual(problems.map(\.kind), ["index-mismatch", "index-mismatch"], "\(problems)")
        XCTAssertEqual(problems.map(\.seq), [2, 3])
        let report = try store.verifyWithIndex()
        XCTAssertFalse(report.ok)
        XCTAssertTrue(report.problems.contains { $0.kind == "index-mismatch" })
        try store.reindex()
        XCTAssertEqual(try store.indexCrossCheck(), [])
    }

    func testAChainEditedInTheIndexIsAMismatchAndAnExtraRowToo() throws {
        try appendSome(3)
        do {
            let db = try SQLiteDatabase(path: store.layout.indexPath)
            try db.execute("UPDATE runs SET chain = '\(String(repeating: "a", count: 64))' WHERE seq = 1;"
                + "INSERT INTO runs SELECT 9, hash, chain, captured_at, captured_epoch, day, duration_ms, status, kind, task, template, family, action_count, failed_count, denied_count, reason FROM runs WHERE seq = 3;")
        }
        let problems = try store.indexCrossCheck()
        XCTAssertEqual(problems.map(\.seq), [1, 9], "\(problems)")
    }

    // MARK: - The cheap head check

    func testTheHeadCheckWarnsOnARewriteWithoutReindexAndOnAnEditedIndexHead() throws {
        XCTAssertNil(store.headCheckWarning(), "no history: nothing to say")
        try appendSome(3)
        _ = try store.list(limit: 1)
        XCTAssertNil(store.headCheckWarning())
        // A same-length rewrite (another record hash, re-chained): the index's catch-up sees the same size.
        let size = FileSystem.fileSize(ledgerPath)
        let forged = try storeObject(record("forged"))
        var es = try entries()
        es[0].hash = forged
        try writeRechained(es)
        XCTAssertEqual(FileSystem.fileSize(ledgerPath), size, "the rewrite keeps the ledger's length")
        let w = try XCTUnwrap(store.headCheckWarning())
        XCTAssertTrue(w.contains("rewritten") && w.contains("history verify"), w)
        XCTAssertFalse(w.contains("\n"), "one line")
        try store.reindex()
        XCTAssertNil(store.headCheckWarning())
        // The index's recorded head edited with sqlite3.
        do {
            let db = try SQLiteDatabase(path: store.layout.indexPath)
            try db.execute("UPDATE meta SET value = '\(String(repeating: "b", count: 64))' WHERE key = 'ledger_head'")
        }
        XCTAssertNotNil(store.headCheckWarning())
    }

    func testTheHeadCheckWarnsOnATruncatedOrEditedLedger() throws {
        try appendSome(3)
        try writeRechained(Array(try entries().prefix(2)))
        XCTAssertNotNil(store.headCheckWarning(), "a shorter ledger: the index rebuilds and keeps the evidence")
        try store.reindex()
        XCTAssertNil(store.headCheckWarning())
        var lines = try FileSystem.readString(ledgerPath).split(separator: "\n").map(String.init)
        lines[1] = lines[1].replacingOccurrences(of: "\"duration_ms\":3", with: "\"duration_ms\":7")
        try FileSystem.writeAtomically(lines.joined(separator: "\n") + "\n", to: ledgerPath)
        XCTAssertNotNil(store.headCheckWarning(), "an edited last entry")
    }
}
