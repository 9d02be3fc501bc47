#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest
@testable import SdetkitCore
@testable import SdetkitStore

/// The store's own files are opened beneath the repository root with no link followed, so a link swapped in
/// after the early check (``StateLayout/checkNoStateLinks()``) is refused as well, and nothing is written
/// through it (issue #12 item 2). Each planted link points at a healthy copy of what it replaced.
final class StateRaceTests: XCTestCase {
    var root = ""
    var outside = ""

    override func setUpWithError() throws {
        root = "/tmp/sdetkit-race-\(UInt32.random(in: 0...UInt32.max))"
        outside = root + "-outside"
        try FileSystem.createDirectories(root + "/.sdetkit/agent")
        try FileSystem.createDirectories(outside)
    }

    override func tearDown() {
        FileSystem.removeTree(root)
        FileSystem.removeTree(outside)
    }

    func record(_ task: String) -> RunRecord {
        RunRecord(kind: "agent.run", task: task, planner: "none", steps: [], actions: [
            ActionOutcome(action: "fs.read", params: ["path": "x"], ok: true, denied: false, reason: "r"),
        ], status: .ok, configDigest: "cfg", repo: RepoState(head: "abc", branch: "main", dirty: false), provider: "none")
    }

    let observation = RunObservation(capturedAt: "2024-01-01T00:00:00Z", durationMs: 1, tool: "t", host: nil)

    /// Moves `rel` out (a copy of the real thing, so a followed link looks healthy) and links it back in.
    func swapForLink(_ rel: String) throws -> String {
        let target = outside + "/" + Path.basename(rel)
        XCTAssertEqual(rename(root + "/" + rel, target), 0, rel)
        XCTAssertEqual(symlink(target, root + "/" + rel), 0, rel)
        return target
    }

    func tree(_ dir: String) -> [String: Int64] {
        var out: [String: Int64] = [:]
        for sub in (try? FileManager.default.subpathsOfDirectory(atPath: dir)) ?? [] {
            out[sub] = FileSystem.fileSize(dir + "/" + sub) ?? -1
        }
        return out
    }

    func assertNamesLink(_ error: Error, _ link: String, file: StaticString = #filePath, line: UInt = #line) {
        let message = (error as? SdetkitError)?.message ?? "\(error)"
        XCTAssertTrue(message.contains("'\(link)' is a symbolic link") && message.contains("never follows links"), message,
                      file: file, line: line)
    }

    /// Both ways of resolving: openat2, and the component walk of kernels without it.
    func stores() -> [HistoryStore] {
        [false, true].map { HistoryStore(layout: StateLayout(repoRoot: root), walkComponents: $0) }
    }

    func testTheLedgerThroughALinkSwappedInAfterTheCheckIsRefused() throws {
        for store in stores() {
            try store.append(record: record("one"), observation: observation)
        }
        for rel in [StateLayout.relHistory, StateLayout.relLedger, HistoryStore.relLedgerLock] {
            for store in stores() {
                try store.layout.checkNoStateLinks()  // passes
                let target = try swapForLink(rel)
                let before = tree(outside)
                // The lower-level opens, straight after the swap (no check in between).
                XCTAssertThrowsError(try store.ledger.appendLocated(root: store.stateRoot()) { seq, prev in
                    LedgerEntry(seq: seq, hash: String(repeating: "0", count: 64), observation: self.observation, prev: prev)
                }) { assertNamesLink($0, rel) }
                if rel != HistoryStore.relLedgerLock {
                    XCTAssertThrowsError(try store.readLedgerLines()) { assertNamesLink($0, rel) }
                    var read = 0
                    XCTAssertThrowsError(try store.ledgerEntry(seq: 1, bytesRead: &read)) { assertNamesLink($0, rel) }
                }
                XCTAssertEqual(tree(outside), before, "\(rel): written through the link (walk: \(store.walksComponents))")
                XCTAssertEqual(unlink(root + "/" + rel), 0)
                XCTAssertEqual(rename(target, root + "/" + rel), 0)
            }
        }
    }

    func testAnObjectWriteThroughASwappedInFanOutLinkIsRefused() throws {
        for store in stores() {
            let entry = try store.append(record: record("first \(store.walksComponents)"), observation: observation)
            let hash = entry.hash
            let fan = StateLayout.relObjects + "/" + hash.prefix(2)
            // Another record in the same fan-out directory, written after the link is swapped in.
            var n = 0
            var other = record("x")
            while Digest.sha256Hex(other.canonicalBytes).prefix(2) != hash.prefix(2) { n += 1; other = record("x\(n)") }
            try store.layout.checkNoStateLinks()  // passes (and does not look at fan-out directories at all)
            let target = try swapForLink(fan)
            let before = tree(outside)
            XCTAssertThrowsError(try store.openFanOut(hash)) { assertNamesLink($0, fan) }
            XCTAssertThrowsError(try store.append(record: other, observation: observation)) { assertNamesLink($0, fan) }
            XCTAssertThrowsError(try store.looseObjectBytes(hash)) { assertNamesLink($0, fan) }
            XCTAssertEqual(tree(outside), before, "written through the link (walk: \(store.walksComponents))")
            XCTAssertEqual(try store.ledgerEntries().count, 1, "no entry for a record that was not stored")
            XCTAssertEqual(unlink(root + "/" + fan), 0)
            XCTAssertEqual(rename(target, root + "/" + fan), 0)
            XCTAssertEqual(try store.record(hash: hash), record("first \(store.walksComponents)"))
            FileSystem.removeTree(root + "/.sdetkit/agent/history")
        }
    }

    func testTheIndexIsOpenedThroughItsDirectoryDescriptor() throws {
        let store = HistoryStore(layout: StateLayout(repoRoot: root))
        try store.append(record: record("one"), observation: observation)
        try store.withIndex { db in
            XCTAssertTrue(db.fileName.hasPrefix("/proc/self/fd/") && db.fileName.hasSuffix("/index.sqlite"), db.fileName)
            XCTAssertGreaterThanOrEqual(db.heldDirectory, 0)
            // The write-ahead log and shared memory land beside the index, in the real directory.
            XCTAssertTrue(FileSystem.exists(store.layout.indexPath + "-wal"))
            XCTAssertTrue(FileSystem.exists(store.layout.indexPath + "-shm"))
            XCTAssertEqual(FileSystem.descriptorPath(db.heldDirectory), store.layout.agentDir)
        }
        XCTAssertEqual(try store.integrity().entries, 1)
    }

    /// The directory descriptor, not the path, decides where SQLite's files go: a directory swapped for a link
    /// after it was opened gets nothing, and a link at the database's own name is not followed.
    func testSQLiteNeverFollowsALinkAfterItsDirectoryWasOpened() throws {
        let dirPath = root + "/db"
        try FileSystem.createDirectories(dirPath)
        let beneath = try BeneathRoot(path: root)
        let dir = try beneath.openDirectory("db")
        // Swap: the real directory moves away, a link to an empty one takes its place.
        XCTAssertEqual(rename(dirPath, root + "/db-real"), 0)
        XCTAssertEqual(symlink(outside, dirPath), 0)
        let db = try XCTUnwrap(try SQLiteDatabase.open(name: "x.sqlite", inDirectory: dir))
        try db.execute("PRAGMA journal_mode=WAL; CREATE TABLE t(v); INSERT INTO t VALUES (1);")
        XCTAssertTrue(FileSystem.exists(root + "/db-real/x.sqlite"))
        XCTAssertTrue(FileSystem.exists(root + "/db-real/x.sqlite-wal"))
        XCTAssertEqual(tree(outside), [:], "SQLite followed the swapped-in link")

        // A link at the database name itself.
        let dir2 = try beneath.openDirectory("db-real")
        XCTAssertEqual(symlink(outside + "/y.sqlite", root + "/db-real/y.sqlite"), 0)
        XCTAssertThrowsError(try SQLiteDatabase.open(name: "y.sqlite", inDirectory: dir2).map { try $0.execute("CREATE TABLE t(v)") })
        XCTAssertEqual(tree(outside), [:], "SQLite followed the link at the database name")
    }

    /// `history gc`'s removals are `unlinkat`s in directories opened beneath the root: with a fan-out directory,
    /// the pack directory or a temp-file directory swapped for a link to a copy, nothing in the copy is removed.
    func testGarbageCollectionNeverRemovesThroughASwappedInLink() throws {
        let store = HistoryStore(layout: StateLayout(repoRoot: root))
        let entry = try store.append(record: record("kept"), observation: observation)
        let orphan = record("orphan")
        let dir = try store.openFanOut(Digest.sha256Hex(orphan.canonicalBytes))
        try store.storeObject(orphan.canonicalBytes, hash: Digest.sha256Hex(orphan.canonicalBytes), in: dir)
        close(dir)
        let hash = Digest.sha256Hex(orphan.canonicalBytes)
        let fan = StateLayout.relObjects + "/" + hash.prefix(2)
        var target = try swapForLink(fan)
        let copy = target + "/" + hash + ".json"
        XCTAssertThrowsError(try store.collectLooseObject(hash, remove: true, if: { _ in true })) { assertNamesLink($0, fan) }
        XCTAssertTrue(FileSystem.exists(copy), "removed through the link")
        XCTAssertEqual(unlink(root + "/" + fan), 0)
        XCTAssertEqual(rename(target, root + "/" + fan), 0)

        // A pack, its directory swapped for a link to a copy.
        try store.pack()
        let pack = try XCTUnwrap(store.packs().first)
        let relPack = HistoryStore.relPackDirectory
        target = try swapForLink(relPack)
        let before = tree(outside)
        XCTAssertThrowsError(try store.removePack(pack)) { assertNamesLink($0, relPack) }
        XCTAssertEqual(tree(outside), before, "pack removed through the link")
        XCTAssertEqual(unlink(root + "/" + relPack), 0)
        XCTAssertEqual(rename(target, root + "/" + relPack), 0)
        XCTAssertEqual(try store.record(hash: entry.hash), record("kept"))

        // A stale temp file (its writer long gone) in the workdir, `.sdetkit/agent` swapped for a link to a copy
        // without a history (so gc goes straight to the temp files).
        let stale = StateLayout.relWorkdir + "/sub/.out.txt.tmp-4194000-1"
        try FileSystem.createDirectories(root + "/" + Path.dirname(stale))
        try FileSystem.writeAtomically("x", to: root + "/" + stale)
        FileSystem.removeTree(root + "/" + StateLayout.relHistory)
        target = try swapForLink(StateLayout.relAgent)
        XCTAssertThrowsError(try store.collectGarbage(minimumAge: 0)) { assertNamesLink($0, StateLayout.relAgent) }
        XCTAssertTrue(FileSystem.exists(target + "/workdir/sub/.out.txt.tmp-4194000-1"), "temp file removed through the link")
        XCTAssertEqual(unlink(root + "/" + StateLayout.relAgent), 0)
        XCTAssertEqual(rename(target, root + "/" + StateLayout.relAgent), 0)
        // A link inside the workdir (an output area: commands may make them) is skipped, never walked into.
        target = try swapForLink(StateLayout.relWorkdir + "/sub")
        XCTAssertEqual(try store.collectGarbage(minimumAge: 0).removed, [])
        XCTAssertTrue(FileSystem.exists(target + "/.out.txt.tmp-4194000-1"), "temp file removed through the link")
        XCTAssertEqual(unlink(root + "/" + StateLayout.relWorkdir + "/sub"), 0)
        XCTAssertEqual(rename(target, root + "/" + StateLayout.relWorkdir + "/sub"), 0)
        XCTAssertEqual(try store.collectGarbage(minimumAge: 0).removed, [stale])
    }

    /// `verify` reads packs beneath the root: the pack directory, a records file or an index file swapped for a
    /// link to a healthy copy is an error naming it, never read through.
    func testVerifyNeverReadsAPackThroughASwappedInLink() throws {
        for store in stores() {
            try store.append(record: record("packed \(store.walksComponents)"), observation: observation)
        }
        let store = stores()[0]
        try store.pack()
        let pack = try XCTUnwrap(store.packs().first)
        XCTAssertEqual(try store.verifyPacks().packs.count, 1)
        for rel in [HistoryStore.relPackDirectory, pack.rel(".records"), pack.rel(".idx")] {
            for store in stores() {
                let target = try swapForLink(rel)
                XCTAssertThrowsError(try store.verifyPacks()) { assertNamesLink($0, rel) }
                XCTAssertThrowsError(try store.verify()) { assertNamesLink($0, rel) }
                XCTAssertEqual(unlink(root + "/" + rel), 0)
                XCTAssertEqual(rename(target, root + "/" + rel), 0)
            }
        }
        XCTAssertTrue(try store.verify().ok)
    }
}
