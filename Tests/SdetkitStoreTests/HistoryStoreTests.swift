import Dispatch
import Foundation
import XCTest
@testable import SdetkitCore
@testable import SdetkitStore

final class HistoryStoreTests: XCTestCase {
    var root = ""
    var store: HistoryStore!

    override func setUpWithError() throws {
        (root, store) = try makeTempStore("store")
    }

    func record(_ task: String, status: RunStatus = .ok) -> RunRecord {
        RunRecord(kind: "agent.run", task: task, planner: "none", steps: [], actions: [
            ActionOutcome(action: "fs.read", params: ["path": "x"], ok: status == .ok, denied: status == .denied, reason: "r"),
        ], status: status, configDigest: "cfg", repo: RepoState(head: "abc", branch: "main", dirty: false), provider: "none")
    }

    func observation(_ t: Int64 = 1_700_000_000) -> RunObservation {
        RunObservation(capturedAt: RunClock.rfc3339(epochSeconds: t), durationMs: 3, tool: "sdetkit test", host: nil)
    }

    @discardableResult
    func appendSome(_ n: Int) throws -> [LedgerEntry] {
        try (0..<n).map { try store.append(record: record("task \($0 % 3)", status: $0 % 4 == 3 ? .failed : .ok), observation: observation()) }
    }

    var ledgerPath: String { root + "/.sdetkit/agent/history/ledger.jsonl" }

    func ledgerLines() throws -> [String] {
        try FileSystem.readString(ledgerPath).split(separator: "\n").map(String.init)
    }

    func writeLedger(_ lines: [String]) throws {
        try FileSystem.writeAtomically(lines.joined(separator: "\n") + "\n", to: ledgerPath)
    }

    func kinds() throws -> Set<String> { Set(try store.verify().problems.map(\.kind)) }

    func testIdenticalRunsShareAnObjectAndGetTwoEntries() throws {
        let a = try store.append(record: record("same"), observation: observation())
        let b = try store.append(record: record("same"), observation: observation(1_700_000_100))
        XCTAssertEqual(a.hash, b.hash)
        XCTAssertEqual([a.seq, b.seq], [1, 2])
        XCTAssertEqual(b.prev, a.chain)
        XCTAssertTrue(FileSystem.exists(store.objectPath(a.hash)))
        XCTAssertEqual(Digest.sha256Hex(try FileSystem.readBytes(store.objectPath(a.hash))), a.hash)
        XCTAssertEqual(try ledgerLines().count, 2)
        XCTAssertTrue(try store.verify().ok)
    }

    func testListNewestFirstWithStatusFilterAndResolve() throws {
        let entries = try appendSome(8)
        let listed = try store.list(limit: 3)
        XCTAssertEqual(listed.map(\.seq), [8, 7, 6])
        XCTAssertEqual(try store.list(limit: 100, status: "failed").map(\.seq), [8, 4])
        XCTAssertEqual(try store.resolve("5").seq, 5)
        let unique = try store.append(record: record("unique"), observation: observation())
        XCTAssertEqual(try store.resolve(String(unique.hash.prefix(8))).hash, unique.hash)
        XCTAssertThrowsError(try store.resolve("abc"))  // too short for a prefix, not a seq
        XCTAssertThrowsError(try store.resolve("999"))
        XCTAssertEqual(entries.count, 8)
    }

    func testIndexIsRebuiltWhenDeletedAndCaughtUpWhenBehind() throws {
        try appendSome(5)
        for name in FileSystem.list(root + "/.sdetkit/agent") where name.hasPrefix("index.sqlite") {
            FileSystem.remove(root + "/.sdetkit/agent/" + name)
        }
        let fresh = HistoryStore(layout: StateLayout(repoRoot: root))
        XCTAssertEqual(try fresh.count(), 5)
        // Another process appends: this store's index catches up on the next query.
        let other = HistoryStore(layout: StateLayout(repoRoot: root))
        try other.append(record: record("from elsewhere"), observation: observation())
        XCTAssertEqual(try fresh.list(limit: 1).first?.task, "from elsewhere")
        XCTAssertEqual(try fresh.reindex(), 6)
    }

    func testVerifyDetectsAnEditedRecord() throws {
        let e = try appendSome(3)[1]
        let path = store.objectPath(e.hash)
        chmod(path, 0o644)
        let text = try FileSystem.readString(path).replacingOccurrences(of: "task 1", with: "task X")
        try FileSystem.writeAtomically(text, to: path)
        XCTAssertEqual(try kinds(), ["edited-record"])
    }

    func testVerifyDetectsAMissingRecord() throws {
        let e = try appendSome(3)[2]
        FileSystem.remove(store.objectPath(e.hash))
        XCTAssertEqual(try kinds(), ["missing-record"])
    }

    func testAnUnreferencedRecordIsGarbageButAnEditedOneIsAProblem() throws {
        try appendSome(2)
        let extra = record("never appended")
        let path = store.objectPath(extra.contentHash)
        try FileSystem.createDirectories(Path.dirname(path))
        try FileSystem.writeAtomically(extra.canonicalBytes, to: path)
        // As a run killed between storing its record and appending its entry leaves it: not an integrity problem.
        let report = try store.verify()
        XCTAssertTrue(report.ok, "\(report.problems)")
        XCTAssertEqual(report.unreferenced, 1)
        // Unreferenced and not matching its name: placed or edited by hand.
        chmod(path, 0o644)
        try FileSystem.writeAtomically(try FileSystem.readString(path).replacingOccurrences(of: "never", with: "NEVER"), to: path)
        XCTAssertEqual(try kinds(), ["extra-record"])
        XCTAssertEqual(try store.verify().unreferenced, 0)
    }

    func testVerifyDetectsARemovedEntry() throws {
        try appendSome(5)
        var lines = try ledgerLines()
        lines.remove(at: 2)
        try writeLedger(lines)
        XCTAssertTrue(try kinds().isSuperset(of: ["removed-entry", "broken-chain"]))
    }

    func testVerifyDetectsReorderedEntries() throws {
        try appendSome(5)
        var lines = try ledgerLines()
        lines.swapAt(2, 3)
        try writeLedger(lines)
        XCTAssertTrue(try kinds().isSuperset(of: ["reordered-entries", "broken-chain"]))
    }

    func testVerifyDetectsAnInsertedEntry() throws {
        try appendSome(4)
        var lines = try ledgerLines()
        lines.insert(lines[1], at: 2)
        try writeLedger(lines)
        XCTAssertTrue(try kinds().contains("inserted-entry"))
    }

    func testVerifyDetectsAnEditedEntry() throws {
        try appendSome(3)
        var lines = try ledgerLines()
        lines[1] = lines[1].replacingOccurrences(of: "\"duration_ms\":3", with: "\"duration_ms\":4")
        try writeLedger(lines)
        XCTAssertEqual(try kinds(), ["edited-entry"], "the next entry still links to the recorded chain value")
    }

    func testVerifyDetectsATruncatedTailThroughTheIndex() throws {
        try appendSome(4)
        _ = try store.count()  // index has seen 4 entries
        var lines = try ledgerLines()
        lines.removeLast()
        try writeLedger(lines)
        XCTAssertTrue(try HistoryStore(layout: StateLayout(repoRoot: root)).verify().problems.map(\.kind).contains("truncated-ledger"))
    }

    func testARewrittenTailStaysDetectedAfterTheIndexCatchesUp() throws {
        try appendSome(4)
        _ = try store.count()
        var lines = try ledgerLines()
        lines.removeLast()
        try writeLedger(lines)
        _ = try HistoryStore(layout: StateLayout(repoRoot: root)).list(limit: 10)  // a query rebuilds the index
        let kinds = try HistoryStore(layout: StateLayout(repoRoot: root)).verify().problems.map(\.kind)
        XCTAssertTrue(kinds.contains("rewritten-ledger"), "\(kinds)")
        XCTAssertEqual(try store.reindex(), 3)
        // reindex accepts the current ledger; the cut entry's record remains, unreferenced (garbage for history gc).
        let after = try store.verify()
        XCTAssertTrue(after.ok, "\(after.problems)")
        XCTAssertEqual(after.unreferenced, 1)
    }

    func testTornFinalLineIsIgnoredAndRepairedOnAppend() throws {
        try appendSome(2)
        try FileSystem.appendDurably(Array("{\"seq\":3,\"hash\":\"to".utf8), to: ledgerPath)
        XCTAssertEqual(try store.ledgerEntries().count, 2)
        let e = try store.append(record: record("after crash"), observation: observation())
        XCTAssertEqual(e.seq, 3)
        XCTAssertTrue(try store.verify().ok)
    }

    func testConcurrentAppendsFromManyThreadsLoseNothing() throws {
        let layout = StateLayout(repoRoot: root)
        let shared = HistoryStore(layout: layout)
        let records = (0..<5).map { record("t\($0)") }
        let obs = observation()
        DispatchQueue.concurrentPerform(iterations: 40) { i in
            // Half share one store instance, half use their own: both must be safe.
            let s = i % 2 == 0 ? shared : HistoryStore(layout: layout)
            _ = try? s.append(record: records[i % 5], observation: obs)
        }
        let report = try store.verify()
        XCTAssertTrue(report.ok, "\(report.problems)")
        XCTAssertEqual(report.entries, 40)
        XCTAssertEqual(try store.count(), 40)
        XCTAssertEqual(Set(try store.ledgerEntries().map(\.seq)), Set(1...40))
    }

    func testExportCSVIsRFC4180AndNeutralisesFormulas() throws {
        try store.append(record: record("=HYPERLINK(\"x\")"), observation: observation())
        try store.append(record: record("a, \"b\"\nc"), observation: observation())
        var out: [UInt8] = []
        try store.export(format: .csv) { out += $0 }
        let text = String(decoding: out, as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("seq,captured_at,hash,status,task,"))
        XCTAssertTrue(text.contains(",\"'=HYPERLINK(\"\"x\"\")\","))
        XCTAssertTrue(text.contains("\"a, \"\"b\"\"\nc\""))
        XCTAssertEqual(text.components(separatedBy: "\r\n").count, 4)  // header + 2 rows + trailing empty
        var json: [UInt8] = []
        try store.export(format: .json) { json += $0 }
        XCTAssertEqual(try JSONParser.parse(bytes: json).arrayValue?.count, 2)
    }
}

extension HistoryStoreTests {
    func testLedgerLookupBySeqReadsOnlyAFewBlocksOfALargeLedger() throws {
        let dir = "/tmp/sdetkit-seq-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = HistoryStore(layout: StateLayout(repoRoot: dir))
        let record = RunRecord(kind: "agent.run", task: "t", planner: "none", steps: [], actions: [], status: .ok,
                               configDigest: "d", repo: RepoState(head: nil, branch: nil, dirty: false), provider: "none")
        let runs = (0..<20_000).map { i in
            (record, RunObservation(capturedAt: "2024-01-01T00:00:00Z", durationMs: i, tool: "sdetkit test", host: nil,
                                    origin: i % 3 == 0 ? RunOrigin(requestID: "r\(i)") : nil))
        }
        try store.appendBatch(runs)
        let size = Int(FileSystem.fileSize(store.layout.ledgerPath) ?? 0)
        XCTAssertGreaterThan(size, 4_000_000)
        for seq in [1, 2, 9_999, 13_333, 19_999, 20_000] {
            var read = 0
            let entry = try Ledger.entry(seq: seq, path: store.layout.ledgerPath, bytesRead: &read)
            XCTAssertEqual(entry?.seq, seq)
            XCTAssertEqual(entry?.durationMs, seq - 1)
            XCTAssertLessThan(read, 100_000, "seq \(seq): read \(read) of \(size) bytes")
            XCTAssertEqual(try store.ledgerEntry(seq: seq), entry)
        }
        var read = 0
        XCTAssertNil(try Ledger.entry(seq: 20_001, path: store.layout.ledgerPath, bytesRead: &read))
        XCTAssertNil(try store.ledgerEntry(seq: 20_001))
        XCTAssertNil(try store.ledgerEntry(seq: 0))
        // Entries with and without an origin side by side verify (the fast chain scan skips the origin member).
        let report = try store.verify()
        XCTAssertTrue(report.ok, "\(report.problems.prefix(3))")
        XCTAssertEqual(report.entries, 20_000)
    }
}

extension HistoryStoreTests {
    /// Every row of the index's run tables, as text.
    func indexRows(_ store: HistoryStore) throws -> [String] {
        try store.withIndex { db in
            var rows: [String] = []
            for table in ["runs ORDER BY seq", "run_actions ORDER BY seq, idx", "meta WHERE key <> 'schema' ORDER BY key"] {
                let s = try db.prepare("SELECT * FROM \(table)")
                while try s.step() {
                    let n = s.columnCount
                    rows.append((0..<n).map { s.isNull($0) ? "NULL" : s.string($0) }.joined(separator: "|"))
                }
            }
            return rows
        }
    }

    func testTheIndexRowOfAnAppendedEntryEqualsWhatReindexProduces() throws {
        let dir = "/tmp/sdetkit-append-index-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = HistoryStore(layout: StateLayout(repoRoot: dir))
        for i in 0..<5 {
            let action = ActionOutcome(action: i % 2 == 0 ? "fs.write" : "shell.run", params: ["i": .int(i)], ok: i != 3,
                                       denied: i == 4, reason: "r\(i)", approval: i == 1 ? .granted : .notRequired)
            let record = RunRecord(kind: "agent.run", task: "task \(i)", planner: "action", steps: [], actions: [action],
                                   status: RunStatus.from([action]), configDigest: "d",
                                   repo: RepoState(head: nil, branch: nil, dirty: false), provider: "none")
            _ = try store.append(record: record, observation: RunObservation(
                capturedAt: "2024-01-0\(i + 1)T00:00:00Z", durationMs: i * 10, tool: "sdetkit test", host: "h",
                origin: RunOrigin(requestID: "r\(i)")))
        }
        let appended = try indexRows(store)
        XCTAssertEqual(appended.filter { $0.hasPrefix("entries|") }, ["entries|5"])
        try store.reindex()
        XCTAssertEqual(try indexRows(store), appended)
    }

    func testAQueryWorksWhileAWriterHoldsTheWriteLock() throws {
        let dir = "/tmp/sdetkit-wal-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = HistoryStore(layout: StateLayout(repoRoot: dir))
        let record = RunRecord(kind: "agent.run", task: "t", planner: "none", steps: [], actions: [], status: .ok,
                               configDigest: "d", repo: RepoState(head: nil, branch: nil, dirty: false), provider: "none")
        try store.append(record: record, observation: RunObservation(capturedAt: "2024-01-01T00:00:00Z", durationMs: 0,
                                                                     tool: "t", host: nil))
        // Another connection (another process, or a rebuild) holds SQLite's write lock.
        let writer = try SQLiteDatabase(path: store.layout.indexPath)
        try writer.execute("BEGIN IMMEDIATE")
        try writer.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('probe', 'x')")
        XCTAssertEqual(try store.list(limit: 10).map(\.seq), [1], "WAL: readers are not blocked by the writer")
        XCTAssertEqual(try store.count(), 1)
        try writer.execute("ROLLBACK")
    }
}
