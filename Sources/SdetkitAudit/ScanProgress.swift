import Synchronization

/// How far a content scan has got: files and bytes scanned so far, and the files in scope once known.
///
/// The scanner's workers bump it once per file (two relaxed atomic adds), never per line; an audit given no
/// progress (`nil`) does no extra work. Progress is only ever displayed: it is not part of any report or record.
/// At the end of an audit its counts equal the report's `files_scanned` and `bytes_scanned` (summed over the
/// audits that shared it).
public final class ScanProgress: Sendable {
    private let filesDone = Atomic<Int>(0)
    private let bytesDone = Atomic<Int>(0)
    private let filesInScope = Atomic<Int>(0)
    private let scopeKnown = Atomic<Bool>(false)

    public init() {}

    /// What a display reads.
    public struct Snapshot: Sendable, Equatable {
        public var files: Int
        public var bytes: Int
        /// Files in scope, once the audit has listed them (nil before).
        public var totalFiles: Int?

        public init(files: Int, bytes: Int, totalFiles: Int?) {
            self.files = files
            self.bytes = bytes
            self.totalFiles = totalFiles
        }
    }

    public var snapshot: Snapshot {
        Snapshot(files: filesDone.load(ordering: .relaxed), bytes: bytesDone.load(ordering: .relaxed),
                 totalFiles: scopeKnown.load(ordering: .acquiring) ? filesInScope.load(ordering: .relaxed) : nil)
    }

    /// An audit's scope is known: `count` more files are to be scanned.
    public func expect(files count: Int) {
        filesInScope.add(count, ordering: .relaxed)
        scopeKnown.store(true, ordering: .releasing)
    }

    /// `files` more files and `bytes` more bytes were scanned (zeros are skipped: no shared write).
    @inline(__always)
    public func add(files: Int, bytes: Int) {
        if files != 0 { filesDone.add(files, ordering: .relaxed) }
        if bytes != 0 { bytesDone.add(bytes, ordering: .relaxed) }
    }
}

/// The one-line progress display of a scan, e.g. `audit: 12,345/40,000 files, 1.2 GB, 310 MB/s`.
///
/// Silent until the scan has run `after` seconds; then at most one line per `interval`, each starting with `\r`
/// and ending with clear-to-end-of-line, so it redraws in place. ``finish()`` clears the line if anything was shown,
/// so later output starts on a clean line. Time and output are injected (tests use a fake clock and a buffer);
/// the caller drives it from one thread.
public struct ScanProgressRenderer {
    public let progress: ScanProgress
    public let label: String
    public let after: Double
    public let interval: Double
    let clock: () -> Double
    let sink: (String) -> Void
    let started: Double
    var lastDrawn: Double?
    var lastLine = ""

    /// Clear the line: carriage return, then erase to the end of the line.
    public static let clear = "\r\u{1B}[K"

    /// `clock` gives monotonic seconds; `after` and `interval` are in seconds.
    public init(progress: ScanProgress, label: String = "audit", after: Double = 1.0, interval: Double = 0.125,
                clock: @escaping () -> Double, sink: @escaping (String) -> Void) {
        self.progress = progress
        self.label = label
        self.after = after
        self.interval = interval
        self.clock = clock
        self.sink = sink
        started = clock()
    }

    /// Whether a line is on the screen.
    public var showing: Bool { lastDrawn != nil }

    /// Draws the current line if the threshold has passed, the last draw is `interval` old and the line changed.
    public mutating func tick() {
        let now = clock()
        let elapsed = now - started
        guard elapsed >= after else { return }
        if let last = lastDrawn, now - last < interval { return }
        let line = Self.line(label: label, progress.snapshot, elapsed: elapsed)
        if line == lastLine, lastDrawn != nil { return }
        sink(Self.clear + line)
        lastDrawn = now
        lastLine = line
    }

    /// Clears the line if one was drawn. Idempotent.
    public mutating func finish() {
        guard lastDrawn != nil else { return }
        sink(Self.clear)
        lastDrawn = nil
        lastLine = ""
    }

    /// `audit: 12,345/40,000 files, 1.2 GB, 310 MB/s` (`/total` once the scope is known).
    public static func line(label: String, _ s: ScanProgress.Snapshot, elapsed: Double) -> String {
        let files = grouped(s.files) + (s.totalFiles.map { "/" + grouped($0) } ?? "")
        let rate = elapsed > 0 ? Int((Double(s.bytes) / elapsed).rounded()) : 0
        return "\(label): \(files) files, \(size(s.bytes)), \(size(rate))/s"
    }

    /// `12,345`.
    public static func grouped(_ n: Int) -> String {
        let digits = Array(String(n.magnitude))
        var out = n < 0 ? "-" : ""
        for (i, d) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(d)
        }
        return out
    }

    /// Decimal units: `512 B`, `1.2 kB`, `46.0 MB`, `310 MB`, `1.2 GB` (one decimal below 100).
    public static func size(_ bytes: Int) -> String {
        guard bytes >= 1000 else { return "\(bytes) B" }
        let units = ["kB", "MB", "GB", "TB", "PB"]
        var value = Double(bytes) / 1000
        var unit = 0
        while value >= 999.95, unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        if value >= 99.95 { return "\(Int(value.rounded())) \(units[unit])" }
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10) \(units[unit])"
    }
}
