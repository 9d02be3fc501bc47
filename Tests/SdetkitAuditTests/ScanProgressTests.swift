import Foundation
import SdetkitCore
import XCTest

@testable import SdetkitAudit

/// ``ScanProgress`` (the counters the scanner bumps) and ``ScanProgressRenderer`` (the one-line display).
final class ScanProgressTests: XCTestCase {
    /// A tree scanned in parallel (over the 48-file threshold): text, a binary, a missing file, a workflow.
    private func tree(_ tag: String) throws -> (root: String, files: [AuditFile]) {
        let root = try makeTempDir(tag)
        var files: [AuditFile] = []
        for i in 0..<120 {
            let text = String(repeating: "line \(i) of some text\n", count: i % 7 + 1)
            try writeFile(root, "src/f\(i).py", Array(text.utf8))
            files.append(AuditFile(path: "src/f\(i).py", size: Int64(text.utf8.count)))
        }
        try writeFile(root, "img.png", [0x89, 0x50, 0x4E, 0x47, 0, 0, 1, 2])
        files.append(AuditFile(path: "img.png", size: 8))
        files.append(AuditFile(path: "gone.txt", size: 3))  // tracked, missing on disk
        let wf = "on: push\njobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n"
        try writeFile(root, ".github/workflows/ci.yml", Array(wf.utf8))
        files.append(AuditFile(path: ".github/workflows/ci.yml", size: Int64(wf.utf8.count)))
        return (root, files)
    }

    /// The counters end at exactly the report's files and bytes, on the parallel and the serial path, and the
    /// report is byte-identical with and without progress.
    func testCountersReachTheScannedFilesAndBytes() throws {
        let (root, files) = try tree("progress")
        defer { try? FileManager.default.removeItem(atPath: root) }
        for subset in [files, Array(files.suffix(10))] {
            Auditor.memo.withLock { $0.removeAll() }
            let input = AuditInput(repoRoot: root, files: subset)
            let progress = ScanProgress()
            XCTAssertEqual(progress.snapshot, ScanProgress.Snapshot(files: 0, bytes: 0, totalFiles: nil))
            let counted = Auditor.run(input, profile: .default, progress: progress)
            XCTAssertGreaterThan(counted.bytesScanned, 0)
            XCTAssertEqual(progress.snapshot, ScanProgress.Snapshot(files: counted.filesScanned, bytes: counted.bytesScanned,
                                                                    totalFiles: subset.count))
            Auditor.memo.withLock { $0.removeAll() }
            let plain = Auditor.run(input, profile: .default)
            XCTAssertEqual(CanonicalJSON.encode(plain.json), CanonicalJSON.encode(counted.json), "progress is never recorded")
            XCTAssertEqual(plain.sarif().prettyPrinted(), counted.sarif().prettyPrinted())
        }
        // A second audit that reuses the memoized scan counts that scan's files and bytes too.
        let input = AuditInput(repoRoot: root, files: files)
        let first = Auditor.run(input, profile: .enterprise)
        let again = ScanProgress()
        _ = Auditor.run(input, profile: .enterprise, progress: again)
        XCTAssertEqual(again.snapshot, ScanProgress.Snapshot(files: first.filesScanned, bytes: first.bytesScanned, totalFiles: files.count))
        // In-memory content (no memo) is counted as well.
        let memory = ScanProgress()
        let report = Auditor.run(AuditInput.inMemory(text: ["a.txt": "hello\n", "b.txt": "world!\n"]), profile: .default, progress: memory)
        XCTAssertEqual(memory.snapshot, ScanProgress.Snapshot(files: 2, bytes: 13, totalFiles: 2))
        XCTAssertEqual(report.bytesScanned, 13)
    }

    /// Workers on several threads bump one counter without losing updates.
    func testConcurrentAdds() {
        let progress = ScanProgress()
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<10_000 { progress.add(files: 1, bytes: 3) }
        }
        progress.expect(files: 50_000)
        progress.expect(files: 30_000)
        XCTAssertEqual(progress.snapshot, ScanProgress.Snapshot(files: 80_000, bytes: 240_000, totalFiles: 80_000))
    }

    final class FakeClock: @unchecked Sendable {
        var now = 100.0
    }

    /// Nothing before the threshold; after it one line (files, total, bytes, rate) redrawn in place at most once
    /// per interval and only when it changed; the line is cleared at the end.
    func testRendererWaitsForTheThresholdThenDrawsAndClears() {
        let clock = FakeClock()
        var written: [String] = []
        let progress = ScanProgress()
        var r = ScanProgressRenderer(progress: progress, label: "audit", after: 1.0, interval: 0.125,
                                     clock: { clock.now }, sink: { written.append($0) })
        progress.expect(files: 40_000)
        progress.add(files: 12_345, bytes: 372_000_000)
        for t in [0.0, 0.5, 0.999] {
            clock.now = 100 + t
            r.tick()
        }
        XCTAssertEqual(written, [], "silent before the threshold")
        r.finish()
        XCTAssertEqual(written, [], "nothing to clear when nothing was shown")
        clock.now = 101.2
        r.tick()
        XCTAssertEqual(written, ["\r\u{1B}[Kaudit: 12,345/40,000 files, 372 MB, 310 MB/s"])
        clock.now = 101.25
        progress.add(files: 1, bytes: 1)
        r.tick()
        XCTAssertEqual(written.count, 1, "at most one redraw per interval")
        clock.now = 101.4
        r.tick()
        XCTAssertEqual(written.count, 2)
        XCTAssertTrue(written[1].hasPrefix("\r\u{1B}[Kaudit: 12,346/40,000 files, 372 MB, "), written[1])
        r.finish()
        XCTAssertEqual(written.last, "\r\u{1B}[K", "the line is cleared at the end")
        XCTAssertFalse(r.showing)
        let count = written.count
        r.finish()
        XCTAssertEqual(written.count, count, "finish is idempotent")
        XCTAssertFalse(written.joined().contains("\n"), "one line, redrawn in place")
    }

    /// A zero threshold draws on the first tick; before the scope is known the line has no total.
    func testZeroThresholdAndUnknownScope() {
        var written: [String] = []
        let progress = ScanProgress()
        var r = ScanProgressRenderer(progress: progress, after: 0, clock: { 5.0 }, sink: { written.append($0) })
        r.tick()
        XCTAssertEqual(written, ["\r\u{1B}[Kaudit: 0 files, 0 B, 0 B/s"])
    }

    func testFormatting() {
        XCTAssertEqual(ScanProgressRenderer.grouped(0), "0")
        XCTAssertEqual(ScanProgressRenderer.grouped(999), "999")
        XCTAssertEqual(ScanProgressRenderer.grouped(1000), "1,000")
        XCTAssertEqual(ScanProgressRenderer.grouped(1_234_567), "1,234,567")
        XCTAssertEqual(ScanProgressRenderer.size(512), "512 B")
        XCTAssertEqual(ScanProgressRenderer.size(1234), "1.2 kB")
        XCTAssertEqual(ScanProgressRenderer.size(46_000_000), "46.0 MB")
        XCTAssertEqual(ScanProgressRenderer.size(310_400_000), "310 MB")
        XCTAssertEqual(ScanProgressRenderer.size(999_960), "1.0 MB")
        XCTAssertEqual(ScanProgressRenderer.size(1_200_000_000), "1.2 GB")
        let s = ScanProgress.Snapshot(files: 12_345, bytes: 1_200_000_000, totalFiles: 40_000)
        XCTAssertEqual(ScanProgressRenderer.line(label: "audit", s, elapsed: 4), "audit: 12,345/40,000 files, 1.2 GB, 300 MB/s")
    }
}
