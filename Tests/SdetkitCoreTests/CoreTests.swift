import Foundation
import Synchronization
import XCTest
@testable import SdetkitCore

final class CSVTests: XCTestCase {
    func testRFC4180QuotingAndCRLF() {
        XCTAssertEqual(CSV.row(["a", "b,c", "say \"hi\"", "two\nlines"]), "a,\"b,c\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n")
    }

    func testFormulaNeutralisation() {
        for lead in ["=", "+", "-", "@", "\t", "\r"] {
            XCTAssertTrue(CSV.neutralise(lead + "X").hasPrefix("'"), lead)
        }
        XCTAssertEqual(CSV.neutralise("plain"), "plain")
        XCTAssertEqual(CSV.row(["=HYPERLINK(\"http://x\",\"y\")"]), "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"\r\n")
    }
}

final class ClockTests: XCTestCase {
    func testSourceDateEpochPinsTime() {
        let c = RunClock(environment: ["SOURCE_DATE_EPOCH": "1700000000"])
        XCTAssertTrue(c.isReproducible)
        XCTAssertEqual(c.nowRFC3339(), "2023-11-14T22:13:20Z")
        XCTAssertFalse(RunClock(environment: ["SOURCE_DATE_EPOCH": "soon"]).isReproducible)
    }

    func testDateRoundTrip() {
        for t: Int64 in [0, 951_782_400, 1_700_000_000, 4_102_444_800] {
            XCTAssertEqual(RunClock.parse(RunClock.rfc3339(epochSeconds: t)), t)
        }
        XCTAssertEqual(RunClock.parse("2023-11-14"), 1_699_920_000)
        XCTAssertNil(RunClock.parse("2023-13-01"))
    }
}

final class FileSystemTests: XCTestCase {
    func testAtomicWriteReplacesAndLeavesNoTemp() throws {
        let dir = "/tmp/sdetkit-core-\(UInt32.random(in: 0...UInt32.max))"
        try FileSystem.createDirectories(dir)
        try FileSystem.writeAtomically("one", to: dir + "/f")
        try FileSystem.writeAtomically("two", to: dir + "/f")
        XCTAssertEqual(try FileSystem.readString(dir + "/f"), "two")
        XCTAssertEqual(FileSystem.list(dir), ["f"])
        XCTAssertTrue(try FileSystem.createAtomically(Array("x".utf8), at: dir + "/o"))
        XCTAssertFalse(try FileSystem.createAtomically(Array("y".utf8), at: dir + "/o"), "objects are never replaced")
        XCTAssertEqual(try FileSystem.readString(dir + "/o"), "x")
    }

    func testStreamWriterWithoutCommitLeavesNothing() throws {
        let dir = "/tmp/sdetkit-core-\(UInt32.random(in: 0...UInt32.max))"
        try FileSystem.createDirectories(dir)
        do {
            let w = try AtomicStreamWriter(path: dir + "/out.csv")
            try w.write(Array("partial".utf8))
        }
        XCTAssertEqual(FileSystem.list(dir), [])
        let w = try AtomicStreamWriter(path: dir + "/out.csv")
        try w.write(Array("full".utf8))
        try w.commit()
        XCTAssertEqual(try FileSystem.readString(dir + "/out.csv"), "full")
    }

    /// What is not a regular file is never replaced: a FIFO or character device is written through, a directory
    /// refused (once `--output /dev/null` as root turned /dev/null into a regular file).
    func testStreamWriterWritesThroughFIFOsAndDevicesAndNeverReplacesThem() throws {
        let dir = NSTemporaryDirectory() + "sdetkit-out-\(UUID().uuidString.prefix(8))"
        try FileSystem.createDirectories(dir)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fifo = dir + "/pipe"
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let got = Mutex<[UInt8]>([])
        let reader = Thread {
            let fd = open(fifo, O_RDONLY)
            var buf = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = read(fd, &buf, buf.count)
                if n <= 0 { break }
                got.withLock { $0 += buf[0..<n] }
            }
            close(fd)
        }
        reader.start()
        let w = try AtomicStreamWriter(path: fifo)
        try w.write(Array("through the pipe".utf8))
        try w.commit()
        for _ in 0..<200 where got.withLock({ $0.count }) < 16 { usleep(10_000) }
        XCTAssertEqual(String(decoding: got.withLock { $0 }, as: UTF8.self), "through the pipe")
        var st = stat()
        XCTAssertEqual(lstat(fifo, &st), 0)
        XCTAssertEqual(st.st_mode & S_IFMT, S_IFIFO, "the FIFO is still a FIFO")
        XCTAssertEqual(FileSystem.list(dir), ["pipe"], "no temp file left beside it")

        // A character device of the test's own (the null device's numbers), where mknod is allowed (root).
        let dev = dir + "/null"
        if mknod(dev, S_IFCHR | 0o666, dev_t(0x103)  /* major 1, minor 3 */) == 0 {
            let d = try AtomicStreamWriter(path: dev)
            try d.write(Array("discarded".utf8))
            try d.commit()
            XCTAssertEqual(lstat(dev, &st), 0)
            XCTAssertEqual(st.st_mode & S_IFMT, S_IFCHR, "the device is still a device")
        }

        XCTAssertThrowsError(try AtomicStreamWriter(path: dir)) { e in
            XCTAssertTrue("\(e)".contains("is a directory"), "\(e)")
        }
    }

    func testPathContainmentIsComponentWise() {
        XCTAssertTrue(Path.isInside("docs/a.md", "docs"))
        XCTAssertFalse(Path.isInside("docs-private/a.md", "docs"))
        XCTAssertEqual(Path.relative("/r/a/b", to: "/r"), "a/b")
        XCTAssertNil(Path.relative("/rx/a", to: "/r"))
        XCTAssertEqual(Path.relative("/r", to: "/r"), "")
        XCTAssertEqual(Path.relative("/a", to: "/"), "a")
        XCTAssertEqual(Path.relative("/r/a", to: "/r/"), "a")
        XCTAssertTrue(Path.isInside("docs", "docs"))
        XCTAssertTrue(Path.isInside("docs/a", "docs/"))
        XCTAssertTrue(Path.isInside("anything", ""))
        XCTAssertFalse(Path.isInside("doc", "docs"))
    }

    func testPathsAreComparedAndSplitAsBytes() {
        let composed = "caf\u{E9}", decomposed = "cafe\u{301}"
        XCTAssertEqual(composed, decomposed, "Swift's String == is canonical equivalence")
        XCTAssertFalse(Path.same(composed, decomposed))
        XCTAssertFalse(Path.isInside("\(decomposed)/a", composed))
        XCTAssertNil(Path.relative("/r/\(decomposed)/a", to: "/r/\(composed)"))
        // A combining mark right after a slash is its own component (Character-wise splitting would glue them).
        XCTAssertEqual(Path.components("a/\u{301}b/./c//"), ["a", "\u{301}b", "c"])
        XCTAssertEqual(Path.dirname("a/\u{301}b"), "a")
        XCTAssertEqual(Path.basename("a/\u{301}b"), "\u{301}b")
        XCTAssertEqual(Path.components("/x/./y"), ["x", "y"])
        XCTAssertEqual(Path.dirname("/x"), "/")
        XCTAssertEqual(Path.dirname("x"), ".")
        XCTAssertEqual(Path.basename("x"), "x")
        XCTAssertEqual(Path.join(".", "b"), "b")
        XCTAssertEqual(Path.join("a/", "b"), "a/b")
        XCTAssertEqual(Path.join("a", "/b"), "/b")
    }

    func testRecordHashIgnoresObservedData() {
        let r = RunRecord(kind: "agent.run", task: "t", planner: "none", steps: [], actions: [], status: .ok,
                          configDigest: "c", repo: RepoState(head: "h", branch: "main", dirty: false), provider: "none")
        XCTAssertEqual(r.contentHash, Digest.sha256Hex(CanonicalJSON.encode(r.json)))
        XCTAssertEqual(try RunRecord(json: r.json), r)
        var r2 = r
        r2.task = "u"
        XCTAssertNotEqual(r.contentHash, r2.contentHash)
    }
}

final class DirectorySyncsTests: XCTestCase {
    func testDeferredDirectorySyncsAreNotedOnceAndFlushed() throws {
        let dir = "/tmp/sdetkit-core-\(UInt32.random(in: 0...UInt32.max))"
        try FileSystem.createDirectories(dir)
        let syncs = DirectorySyncs()
        try FileSystem.writeAtomically(Array("a".utf8), to: dir + "/a", directorySyncs: syncs)
        try FileSystem.writeAtomically(Array("b".utf8), to: dir + "/b", directorySyncs: syncs)
        XCTAssertEqual(try FileSystem.readString(dir + "/a"), "a", "the file is in place before the directory sync")
        XCTAssertFalse(syncs.isEmpty)
        try syncs.flush()
        XCTAssertTrue(syncs.isEmpty)
    }

    func testADirectoryThatCannotBeSyncedIsReportedAndKept() throws {
        let dir = "/tmp/sdetkit-core-\(UInt32.random(in: 0...UInt32.max))"
        try FileSystem.createDirectories(dir)
        let syncs = DirectorySyncs()
        try FileSystem.writeAtomically(Array("a".utf8), to: dir + "/a", directorySyncs: syncs)
        try FileManager.default.removeItem(atPath: dir)
        XCTAssertThrowsError(try syncs.flush()) { error in
            XCTAssertTrue((error as? SdetkitError)?.message.contains("cannot sync the directory") ?? false, "\(error)")
        }
        XCTAssertFalse(syncs.isEmpty, "kept for the next flush")
    }
}

final class PendingValueTests: XCTestCase {
    func testEveryWaiterGetsTheOneValueOnceItIsFilled() {
        let pending = PendingValue<[Int]>()
        let seen = Mutex<[[Int]]>([])
        let started = DispatchSemaphore(value: 0)
        let group = DispatchGroup()
        for _ in 0..<3 {
            DispatchQueue.global().async(group: group) {
                started.signal()
                let v = pending.wait()
                seen.withLock { $0.append(v) }
            }
        }
        for _ in 0..<3 { started.wait() }
        XCTAssertEqual(seen.withLock { $0.count }, 0, "nobody gets a value before it is filled")
        pending.fill([1, 2, 3])
        group.wait()
        XCTAssertEqual(seen.withLock { $0 }, [[1, 2, 3], [1, 2, 3], [1, 2, 3]])
        XCTAssertEqual(pending.wait(), [1, 2, 3], "a late waiter does not block")
    }
}
