import Dispatch
import Foundation
import XCTest
@testable import SdetkitCore
@testable import SdetkitStore

/// Crash-safe history (issue #12 item 3): an object no ledger entry references is garbage an interrupted run
/// left, not an integrity failure; `collectGarbage` removes it and stale temp files, never anything a live
/// writer or a running run still needs, and never evidence of an edited ledger.
final class GarbageCollectTests: XCTestCase, StoreFixture {
    var root = ""
    var store: HistoryStore!
    var layout: StateLayout { store.layout }

    override func setUpWithError() throws {
        (root, store) = try makeTempStore("gc")
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: root) }

    /// What `append` leaves when killed after storing the record and before appending its ledger line.
    @discardableResult
    func orphan(_ task: String = "killed before its ledger line") throws -> String {
        let r = record(task)
        let path = store.objectPath(r.contentHash)
        try FileSystem.createDirectories(Path.dirname(path))
        try FileSystem.createAtomically(r.canonicalBytes, at: path)
        return path
    }

    func age(_ path: String, by seconds: Int) {
        var st = stat()
        lstat(path, &st)
        let t = Int(st.st_mtim.tv_sec) - seconds
        var times = [timeval(tv_sec: t, tv_usec: 0), timeval(tv_sec: t, tv_usec: 0)]
        lutimes(path, &times)
    }

    /// A process id no process has (a child that has exited and been reaped).
    func deadPID() throws -> pid_t {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/true")
        try p.run()
        p.waitUntilExit()
        return p.processIdentifier
    }

    // MARK: - verify

    func testVerifyCountsAnUnreferencedObjectAndStaysOK() throws {
        try appendSome(2)
        try orphan()
        let report = try store.verify()
        XCTAssertTrue(report.ok, "\(report.problems)")
        XCTAssertEqual(report.unreferenced, 1)
        XCTAssertEqual(report.records, 2)
        guard case .object(let fields) = report.json else { return XCTFail("not an object") }
        XCTAssertEqual(Set(fields.keys), ["ok", "entries", "records", "head", "unreferenced", "problems"])
        XCTAssertEqual(fields["unreferenced"], .int(1))
    }

    func testAnUnreferencedObjectThatDoesNotMatchItsNameIsStillAProblem() throws {
        try appendSome(1)
        let path = try orphan()
        chmod(path, 0o644)
        try FileSystem.writeAtomically(Array("{\"tampered\":true}".utf8), to: path)
        let report = try store.verify()
        XCTAssertEqual(report.problems.map(\.kind), ["extra-record"])
        XCTAssertEqual(report.unreferenced, 0)
        // gc removes no object while verify reports a problem.
        let gc = try store.collectGarbage(minimumAge: 0)
        XCTAssertFalse(gc.ok)
        XCTAssertEqual(gc.objects, 0)
        XCTAssertTrue(FileSystem.exists(path))
    }

    // MARK: - gc of objects

    func testGCRemovesAnOldEnoughUnreferencedObjectAndNothingReferenced() throws {
        let entries = try appendSome(3)
        let path = try orphan()
        // Younger than the default hour: a running run may be about to append its entry.
        var gc = try store.collectGarbage()
        XCTAssertEqual(gc.objects, 0)
        XCTAssertEqual(gc.kept, 1)
        XCTAssertTrue(FileSystem.exists(path))
        // Dry run: reported, not removed.
        gc = try store.collectGarbage(minimumAge: 0, dryRun: true)
        XCTAssertEqual(gc.objects, 1)
        XCTAssertEqual(gc.removed, [layout.relative(path)!])
        XCTAssertTrue(FileSystem.exists(path))
        // An hour and a minute old: removed with the default age.
        age(path, by: 3660)
        gc = try store.collectGarbage()
        XCTAssertTrue(gc.ok)
        XCTAssertEqual(gc.objects, 1)
        XCTAssertFalse(FileSystem.exists(path))
        let report = try store.verify()
        XCTAssertTrue(report.ok)
        XCTAssertEqual(report.unreferenced, 0)
        XCTAssertEqual(report.records, 3)
        for e in entries { XCTAssertNoThrow(try store.record(hash: e.hash)) }
        XCTAssertEqual(try store.collectGarbage(minimumAge: 0).objects, 0)
        for e in entries { XCTAssertTrue(FileSystem.exists(store.objectPath(e.hash))) }
    }

    func testGCKeepsTheRecordsOfEntriesCutFromTheLedger() throws {
        try appendSome(4)
        _ = try store.count()  // the index has seen 4 entries
        let ledger = try FileSystem.readString(layout.ledgerPath).split(separator: "\n").dropLast()
        try FileSystem.writeAtomically(ledger.joined(separator: "\n") + "\n", to: layout.ledgerPath)
        let fresh = HistoryStore(layout: layout)
        let gc = try fresh.collectGarbage(minimumAge: 0)
        XCTAssertTrue(gc.problems.map(\.kind).contains("truncated-ledger"), "\(gc.problems)")
        XCTAssertEqual(gc.objects, 0, "an object an edited ledger no longer references is evidence")
        XCTAssertEqual(fresh.looseRecords().hashes.count, 4)
    }

    func testGCHoldsTheLedgerLock() throws {
        try appendSome(1)
        let path = try orphan()
        var lock: FileLock? = try FileLock(path: layout.ledgerLockPath)
        let done = DispatchSemaphore(value: 0)
        let s = store!
        DispatchQueue.global().async {
            _ = try? s.collectGarbage(minimumAge: 0)
            done.signal()
        }
        XCTAssertEqual(done.wait(timeout: .now() + 0.4), .timedOut, "gc must wait for an append holding the ledger lock")
        XCTAssertTrue(FileSystem.exists(path))
        withExtendedLifetime(lock) {}
        lock = nil
        XCTAssertEqual(done.wait(timeout: .now() + 10), .success)
        XCTAssertFalse(FileSystem.exists(path))
    }

    func testGCRewritesAPackThatHoldsAnUnreferencedRecord() throws {
        let entries = try appendSome(3)
        let orphanPath = try orphan()
        // A pack as an older sdetkit wrote it: every loose record, referenced or not.
        let items = try store.looseRecords().hashes.map { (hash: $0, bytes: try FileSystem.readBytes(store.objectPath($0.hex))) }
        let old = try XCTUnwrap(try store.writePack(items))
        for item in items { FileSystem.remove(store.objectPath(item.hash.hex)) }
        var report = try HistoryStore(layout: layout).verify()
        XCTAssertTrue(report.ok, "\(report.problems)")
        XCTAssertEqual(report.unreferenced, 1)

        let gc = try HistoryStore(layout: layout).collectGarbage(minimumAge: 0)
        XCTAssertEqual(gc.objects, 1)
        XCTAssertEqual(gc.packsRewritten, [old])
        let packs = store.packs()
        XCTAssertEqual(packs.count, 1)
        XCTAssertNotEqual(packs.first?.name, old)
        XCTAssertEqual(try store.verifyPacks().packs.first?.hashes.count, 3)
        let fresh = HistoryStore(layout: layout)
        for (i, e) in entries.enumerated() { XCTAssertEqual(try fresh.record(hash: e.hash).task, "task \(i)") }
        XCTAssertThrowsError(try fresh.recordBytes(hash: Path.basename(orphanPath).replacingOccurrences(of: ".json", with: "")))
        report = try fresh.verify()
        XCTAssertTrue(report.ok, "\(report.problems)")
        XCTAssertEqual(report.unreferenced, 0)
        XCTAssertEqual(report.records, 3)
    }

    // MARK: - gc of temp files

    func testGCRemovesStaleTempFilesOnlyInTheStateAndOnlyWithSdetkitsNames() throws {
        try appendSome(1)
        let dead = try deadPID()
        let fanout = Path.dirname(store.objectPath(try appendSome(1)[0].hash))
        try FileSystem.createDirectories(layout.workdir + "/deep/er")
        let stale = [
            "\(fanout)/.\(String(repeating: "a", count: 64)).json.tmp-\(dead)-12345",
            "\(layout.objectsDir)/.x.tmp-\(dead)-1",
            "\(layout.agentDir)/.config.yaml.tmp-\(dead)-42",
            "\(layout.stateDir)/.gitignore.tmp-\(dead)-7",
            "\(layout.historyDir)/.ledger.jsonl.tmp-\(dead)-8",
            "\(layout.workdir)/.f1.tmp-\(dead)-4294967295",
            "\(layout.workdir)/deep/er/.report.tmp-1.html.tmp-\(dead)-9",
        ]
        let notOurs = [
            "\(layout.workdir)/notes.tmp-\(dead)-1",      // no leading dot
            "\(layout.workdir)/.tmp-\(dead)-1",           // no target name
            "\(layout.workdir)/.f.tmp-abc-1",             // not a pid
            "\(layout.workdir)/.f.tmp-\(dead)-1-2",       // one part too many
            "\(layout.workdir)/.f.tmp-\(dead)-",          // no number
            "\(root)/.outside.tmp-\(dead)-1",             // the repository, not the state
        ]
        let outside = root + "/elsewhere"
        try FileSystem.createDirectories(outside)
        let behindLink = "\(outside)/.linked.tmp-\(dead)-1"
        symlink(outside, layout.workdir + "/link")
        for path in stale + notOurs + [behindLink] {
            try FileSystem.writeAtomically(Array("partial".utf8), to: path)
        }
        // Young: kept with the default age.
        var gc = try store.collectGarbage()
        XCTAssertEqual(gc.tempFiles, 0)
        XCTAssertEqual(gc.kept, stale.count)
        for path in stale { age(path, by: 7200) }
        gc = try store.collectGarbage()
        XCTAssertEqual(gc.tempFiles, stale.count, "\(gc.removed)")
        XCTAssertEqual(Set(gc.removed), Set(stale.map { layout.relative($0)! }))
        for path in stale { XCTAssertFalse(FileSystem.exists(path), path) }
        for path in notOurs + [behindLink] { XCTAssertTrue(FileSystem.exists(path), path) }
        XCTAssertTrue(try store.verify().ok)
    }

    func testGCNeverRemovesALiveWritersTempFile() throws {
        try FileSystem.createDirectories(layout.workdir)
        let target = layout.workdir + "/big.csv"
        // The names the two atomic writers really use, by a live process (this one).
        let writer = try AtomicStreamWriter(path: target)
        try writer.write(Array("a,b\n".utf8))
        let synced = try FileSystem.writeSyncedTemp(Array("x".utf8), beside: layout.workdir + "/other.txt", mode: 0o644)
        defer { FileSystem.remove(synced) }
        let temps = FileSystem.list(layout.workdir).filter { $0.contains(".tmp-") }
        XCTAssertEqual(temps.count, 2)
        for name in temps { XCTAssertEqual(HistoryStore.temporaryFileWriter(name), getpid(), name) }
        for name in temps { age(layout.workdir + "/" + name, by: 7200) }
        let gc = try store.collectGarbage(minimumAge: 0)
        XCTAssertEqual(gc.tempFiles, 0)
        XCTAssertEqual(gc.kept, 2)
        try writer.commit()
        XCTAssertEqual(try FileSystem.readString(target), "a,b\n")
    }
}
