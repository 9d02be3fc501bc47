import XCTest
@testable import SdetkitCore
@testable import SdetkitStore

/// Packed records: moved out of loose files without losing a record, readable, and every kind of tampering
/// with a pack is still detected by verify.
final class PackTests: XCTestCase, StoreFixture {
    var root = ""
    var store: HistoryStore!

    override func setUpWithError() throws {
        (root, store) = try makeTempStore("pack")
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: root) }

    func kinds() throws -> Set<String> { Set(try store.verify().problems.map(\.kind)) }

    var pack: RecordPack { store.packs()[0] }

    /// A same-length edit of the record of "task 1" in the (read-only) file at `path`.
    func editTask1(in path: String) throws {
        chmod(path, 0o644)
        try FileSystem.writeAtomically(try FileSystem.readString(path).replacingOccurrences(of: "task 1", with: "task X"), to: path)
    }

    func testPackingMovesLooseRecordsAndKeepsThemReadable() throws {
        let entries = try appendSome(5)
        let (n, name) = try store.pack()
        XCTAssertEqual(n, 5)
        XCTAssertNotNil(name)
        for e in entries {
            XCTAssertFalse(FileSystem.exists(store.objectPath(e.hash)), "loose copy removed")
            XCTAssertEqual(Digest.sha256Hex(try store.recordBytes(hash: e.hash)), e.hash)
            XCTAssertEqual(try store.record(hash: e.hash).task, "task \(e.seq - 1)")
        }
        XCTAssertTrue(try store.verify().ok)
        XCTAssertEqual(try store.reindex(), 5)
        XCTAssertTrue(try store.integrity().verified)
        // More runs go loose again; a second pack joins the first.
        try store.append(record: record("later"), observation: observation(9))
        XCTAssertEqual(try store.pack().packed, 1)
        XCTAssertEqual(store.packs().count, 2)
        XCTAssertEqual(try store.verify().records, 6)
        XCTAssertTrue(try store.verify().ok)
        XCTAssertEqual(try store.pack().packed, 0, "nothing loose: no empty pack")
    }

    func testATamperedLooseRecordIsNotPackedAndStillReported() throws {
        let e = try appendSome(3)[1]
        let path = store.objectPath(e.hash)
        try editTask1(in: path)
        XCTAssertEqual(try store.pack().packed, 2)
        XCTAssertTrue(FileSystem.exists(path))
        XCTAssertEqual(try kinds(), ["edited-record"])
    }

    func testAnEditedPackedRecordIsReported() throws {
        try appendSome(3)
        try store.pack()
        let path = pack.recordsPath
        try editTask1(in: path)
        XCTAssertEqual(try kinds(), ["edited-record"], "a same-length edit inside a record is that record's problem")
    }

    func testAnEditedPackedCopyIsReportedEvenBesideAnIntactLooseCopy() throws {
        let e = try appendSome(3)[1]
        let loose = try FileSystem.readBytes(store.objectPath(e.hash))
        try store.pack()
        let path = pack.recordsPath
        try editTask1(in: path)
        // The loose copy comes back (as after a crash between writing a pack and removing the loose files).
        try FileSystem.createDirectories(Path.dirname(store.objectPath(e.hash)))
        XCTAssertTrue(try FileSystem.createAtomically(loose, at: store.objectPath(e.hash)))
        let problems = try store.verify().problems
        XCTAssertEqual(problems.map(\.kind), ["edited-record"])
        XCTAssertEqual(problems.first?.hash, e.hash)
        XCTAssertTrue(problems.first?.detail.contains(pack.name) ?? false, problems.first?.detail ?? "")
    }

    func testAnEmptyPackFileMapsToNoRecords() throws {
        let path = root + "/empty.records"
        try FileSystem.writeAtomically([UInt8](), to: path)
        XCTAssertEqual(try MappedFile(path: path).bytes.count, 0)
        XCTAssertThrowsError(try MappedFile(path: root + "/missing.records"))
    }

    func testBytesAppendedToAPackAreReported() throws {
        try appendSome(2)
        try store.pack()
        let path = pack.recordsPath
        chmod(path, 0o644)
        try FileSystem.writeAtomically(try FileSystem.readBytes(path) + Array("{\"x\":1}\n".utf8), to: path)
        XCTAssertEqual(try kinds(), ["edited-pack"])
    }

    func testAMalformedIndexAndARemovedPackAreReported() throws {
        try appendSome(2)
        try store.pack()
        let idx = pack.indexPath
        chmod(idx, 0o644)
        var bytes = try FileSystem.readBytes(idx)
        bytes[70] = UInt8(ascii: "z")
        try FileSystem.writeAtomically(bytes, to: idx)
        XCTAssertEqual(try kinds(), ["edited-pack", "missing-record"])
        FileSystem.remove(idx)
        XCTAssertEqual(try kinds(), ["missing-record"])
    }

    func testAnUnreferencedRecordIsNeverPacked() throws {
        try appendSome(2)
        let extra = record("never appended")
        let path = store.objectPath(extra.contentHash)
        try FileSystem.createDirectories(Path.dirname(path))
        try FileSystem.writeAtomically(extra.canonicalBytes, to: path)
        XCTAssertEqual(try store.pack().packed, 2, "only the records ledger entries reference")
        XCTAssertFalse(try store.verifyPacks().packs.flatMap(\.hashes).contains(SHA256Value(hex: extra.contentHash)!))
        XCTAssertTrue(FileSystem.exists(path), "the unreferenced record stays loose, for history gc")
        let report = try store.verify()
        XCTAssertTrue(report.ok, "\(report.problems)")
        XCTAssertEqual(report.unreferenced, 1)
    }

    func testLargeHistoriesPackThemselves() throws {
        let n = HistoryStore.autoPackInterval + 10
        try store.appendBatch((0..<n).map { (record("bulk \($0)"), observation($0)) })
        XCTAssertEqual(store.packs().count, 1, "crossing \(HistoryStore.autoPackInterval) entries packs the loose records")
        let report = try store.verify()
        XCTAssertTrue(report.ok, "\(report.problems.prefix(3))")
        XCTAssertEqual(report.records, n)
        XCTAssertEqual(store.looseRecords().hashes.count, 0)
        // The next append stays loose until the next multiple.
        try store.append(record: record("one more"), observation: observation(n))
        XCTAssertEqual(store.looseRecords().hashes.count, 1)
        XCTAssertTrue(try store.verify().ok)
    }
}
