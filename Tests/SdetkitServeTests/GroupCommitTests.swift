import Foundation
import XCTest
@testable import SdetkitServe

/// The group-commit writer: a batch commits in one transaction; an operation that fails leaves the others of
/// its batch committed; checkpoints happen on the checkpointer's connection, never inside a commit.
final class GroupCommitTests: XCTestCase {
    struct Refused: Error {}

    func tempDB() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sdetkit-gc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir.appendingPathComponent("t.sqlite").path
    }

    func testAFailingOperationLeavesTheRestOfItsBatchCommitted() async throws {
        let path = try tempDB()
        let conn = try SQLiteServeStore.open(path, readOnly: false)
        try conn.execute("CREATE TABLE t (n INTEGER PRIMARY KEY)")
        let writer = GroupCommitWriter(db: conn)
        // 300 concurrent writes queue behind each other, so most batches hold many operations; every third one
        // writes its row and then fails, so its row must not stay.
        let outcomes = await withTaskGroup(of: (Int, Bool).self) { group in
            for n in 0..<300 {
                group.addTask {
                    do {
                        try await writer.write { c in
                            try c.run("INSERT INTO t (n) VALUES (?)", [n])
                            if n % 3 == 0 { throw Refused() }
                        }
                        return (n, true)
                    } catch {
                        XCTAssertTrue(error is Refused, "the operation's own error reaches its caller: \(error)")
                        return (n, false)
                    }
                }
            }
            var all: [Int: Bool] = [:]
            for await (n, ok) in group { all[n] = ok }
            return all
        }
        await writer.close()
        XCTAssertEqual(outcomes.count, 300)
        for (n, ok) in outcomes { XCTAssertEqual(ok, n % 3 != 0, "write \(n)") }
        let rows = try SQLiteServeStore.open(path, readOnly: true).query("SELECT n FROM t ORDER BY n") { $0.int(0) }
        XCTAssertEqual(rows, (0..<300).filter { $0 % 3 != 0 })
    }

    func testTheCheckpointerCopiesTheWALIntoTheDatabaseFile() throws {
        let path = try tempDB()
        let writer = try SQLiteServeStore.open(path, readOnly: false)
        try writer.execute("PRAGMA wal_autocheckpoint=0")
        try writer.execute("CREATE TABLE t (n INTEGER PRIMARY KEY, pad TEXT)")
        for n in 0..<200 { try writer.run("INSERT INTO t VALUES (?, ?)", [n, String(repeating: "x", count: 500)]) }
        XCTAssertLessThanOrEqual(try pagesInDatabaseFile(path), 1, "without a checkpoint the rows are only in the WAL")
        let checkpointer = Checkpointer(db: try SQLiteServeStore.open(path, readOnly: false))
        checkpointer.request()
        checkpointer.stop()  // waits for the running checkpoint
        XCTAssertGreaterThan(try pagesInDatabaseFile(path), 20, "the checkpoint wrote the pages into the database file")
        checkpointer.request()  // after stop: refused, no work queued
    }

    /// The database size in pages from the file's header (offset 28, big-endian), as the last checkpoint left it.
    func pagesInDatabaseFile(_ path: String) throws -> Int {
        let h = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)).prefix(32))
        guard h.count == 32 else { return 0 }
        return h[28..<32].reduce(0) { $0 << 8 | Int($1) }
    }
}
