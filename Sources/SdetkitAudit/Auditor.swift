import Dispatch
import SdetkitCore
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs an audit over an ``AuditInput``.
public enum Auditor {
    static let defaultContext = ScanContext(profile: .default)
    static let enterpriseContext = ScanContext(profile: .enterprise)

    /// Below this many files the scan runs on the calling thread.
    static let parallelThreshold = 48
    /// Files handed to a worker at a time.
    static let chunkSize = 8

    /// Audits `input` under `profile`. Deterministic: the same files give the same report.
    /// `workTreeToken` (from the workspace's ``WorkTreeObserver``), when given, stands for the files' stat data in
    /// the scan memo: within one command, audits then share a scan without stat-ing every file again.
    /// `progress`, when given, counts the files and bytes scanned as the scan goes (for a display; the report is
    /// the same with or without it).
    public static func run(_ input: AuditInput, profile: AuditProfile, workTreeToken: String? = nil,
                           options: AuditOptions = AuditOptions(), progress: ScanProgress? = nil) -> AuditReport {
        let context = profile == .default ? defaultContext : enterpriseContext
        var findings = Governance.findings(files: input.files, profile: profile)
        // `audit.exclude` first, then the ignore file: its later patterns (and `!` re-includes) win.
        let ignore = AuditIgnore(options.exclude.joined(separator: "\n")).followed(by: AuditIgnore.load(input))
        let scope = input.files.filter { file in
            !file.isSubmodule && !file.isSymlink && (input.onlyPaths.map { $0.contains(file.path) } ?? true)
                && !ignore.excludes(file.path)
        }
        progress?.expect(files: scope.count)
        let (scanned, filesScanned, bytesScanned) = memoizedScan(scope, input: input, context: context, profile: profile,
                                                                 workTreeToken: workTreeToken, progress: progress)
        // Content findings in test paths are capped here, not in the (shared, memoized) scan.
        findings += scanned.map { f in
            guard f.context == "test", f.severity > options.testMaxSeverity else { return f }
            var lowered = f
            lowered.severity = options.testMaxSeverity
            return lowered
        }
        findings.sort(by: Finding.reportOrder)
        return AuditReport(profile: profile, score: AuditScore.compute(findings), findings: findings,
                           filesScanned: filesScanned, bytesScanned: bytesScanned,
                           rules: AuditCatalogue.rules(for: profile), repositoryAnchor: anchor(input.files))
    }

    /// The file repository-level SARIF results point at: a root README, else .gitignore, else the first path.
    static func anchor(_ files: [AuditFile]) -> String? {
        let plain = files.filter { !$0.isSubmodule }.map(\.path)
        return plain.first { !$0.contains("/") && $0.lowercased().hasPrefix("readme") }
            ?? plain.first { $0 == ".gitignore" } ?? plain.min()
    }

    /// Content-scan results of this process, by the scanned files' stat signature. Several audits in one
    /// process (the demo runs one per audit template) share a scan while no tracked file changed. Only workflow
    /// files scan differently per profile (action pinning), so they are scanned apart, every time; the rest is
    /// shared between profiles. Audits prepared side by side wait for the one scan in progress rather than
    /// repeat it.
    static let memo = Mutex<[String: PendingValue<ScanResult>]>([:])
    /// Memoized scans started by this process (for tests).
    static let scansStarted = Atomic<Int>(0)
    /// How many scans ``memo`` keeps, and their keys oldest first.
    static let memoLimit = 8
    static let memoOrder = Mutex<[String]>([])
    typealias ScanResult = (findings: [Finding], files: Int, bytes: Int)

    static func memoizedScan(_ files: [AuditFile], input: AuditInput, context: ScanContext, profile: AuditProfile,
                             workTreeToken: String? = nil, progress: ScanProgress? = nil) -> ScanResult {
        guard case .workingTree = input.content else { return scan(files, input: input, context: context, progress: progress) }
        let workflows = files.filter { Workflows.isWorkflow($0.path) }
        let rest = workflows.isEmpty ? files : files.filter { !Workflows.isWorkflow($0.path) }
        let key = workTreeToken.map { tokenKey($0, rest, root: input.repoRoot) } ?? signature(rest, root: input.repoRoot)
        let (slot, claimed) = memo.withLock { slots -> (PendingValue<ScanResult>, Bool) in
            if let existing = slots[key] { return (existing, false) }
            let fresh = PendingValue<ScanResult>()
            // Bounded for long-lived processes: the oldest kept scans go first (a scan in progress keeps its
            // waiters' reference, so dropping its slot only means a later audit scans again).
            if slots.count >= memoLimit { slots.removeValue(forKey: memoOrder.withLock { $0.removeFirst() }) }
            slots[key] = fresh
            memoOrder.withLock { $0.append(key) }
            return (fresh, true)
        }
        let shared: ScanResult
        if claimed {
            scansStarted.add(1, ordering: .relaxed)
            shared = scan(rest, input: input, context: context, progress: progress)
            slot.fill(shared)
        } else {
            shared = slot.wait()
            progress?.add(files: shared.files, bytes: shared.bytes)  // another audit's scan, counted when it is done
        }
        guard !workflows.isEmpty else { return shared }
        let own: ScanResult = scan(workflows, input: input, context: context, progress: progress)
        return (shared.findings + own.findings, shared.files + own.files, shared.bytes + own.bytes)
    }

    /// The memo key under a work-tree token: the token, the root and the scanned paths (no stat calls).
    static func tokenKey(_ token: String, _ files: [AuditFile], root: String) -> String {
        var hasher = Digest.Hasher()
        hasher.update(Array("token\u{0}\(token)\u{0}\(root)\u{0}".utf8))
        for f in files { hasher.update(Array(f.path.utf8) + [0]) }
        return hasher.finalizeHex()
    }

    /// SHA-256 over the root and each file's path, size, mtime (ns) and inode — the same stat data git uses to
    /// notice a changed file — so any edit, replacement or removal gives a new key. The stats run in parallel.
    static func signature(_ files: [AuditFile], root: String) -> String {
        let parts = Mutex<[Int: [UInt8]]>([:])
        Parallel.forEachRange(files.count, serialBelow: 512) { w, range in
            var hasher = Digest.Hasher()
            var st = stat()
            for f in files[range] {
                var fields = Array(f.path.utf8)
                if lstat(root + "/" + f.path, &st) == 0 {
                    fields += Array(" \(st.st_size) \(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec) \(st.st_ino) \(st.st_mode)".utf8)
                } else {
                    fields += Array(" missing".utf8)
                }
                fields.append(0)
                hasher.update(fields)
            }
            let digest = Array(hasher.finalizeHex().utf8)
            parts.withLock { $0[w] = digest }
        }
        var total = Digest.Hasher()
        total.update(Array("\(root)\u{0}\(files.count)\u{0}".utf8))
        parts.withLock { p in for w in p.keys.sorted() { total.update(p[w] ?? []) } }
        return total.finalizeHex()
    }

    /// Scans `files` in parallel (workers pull chunks of files from a shared counter). `progress` is bumped per file.
    static func scan(_ files: [AuditFile], input: AuditInput, context: ScanContext,
                     progress: ScanProgress? = nil) -> ([Finding], Int, Int) {
        let capacity = AuditCatalogue.contentScanLimit
        if files.count < parallelThreshold {
            var acc = Accumulator()
            let reader = ContentReader(source: input.content, root: input.repoRoot, capacity: capacity)
            for f in files { scanFile(f, reader: reader, context: context, into: &acc, progress: progress) }
            return (acc.findings, acc.files, acc.bytes)
        }
        let workers = max(1, min(Parallel.cores, 16, (files.count + chunkSize - 1) / chunkSize))
        let chunks = (files.count + chunkSize - 1) / chunkSize
        let slots = Slots(count: workers)
        let next = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            var acc = Accumulator()
            let reader = ContentReader(source: input.content, root: input.repoRoot, capacity: capacity)
            while true {
                let c = next.wrappingAdd(1, ordering: .relaxed).oldValue
                if c >= chunks { break }
                for i in (c * chunkSize)..<min(files.count, (c + 1) * chunkSize) {
                    scanFile(files[i], reader: reader, context: context, into: &acc, progress: progress)
                }
            }
            slots.store(w, acc)
        }
        var total = Accumulator()
        for w in 0..<workers {
            let acc = slots.load(w)
            total.findings += acc.findings
            total.files += acc.files
            total.bytes += acc.bytes
        }
        return (total.findings, total.files, total.bytes)
    }

    struct Accumulator {
        var findings: [Finding] = []
        var files = 0
        var bytes = 0
    }

    /// One slot per worker, each written by exactly one worker before `concurrentPerform` returns.
    final class Slots: @unchecked Sendable {
        private let items: UnsafeMutablePointer<Accumulator>
        private let count: Int

        init(count: Int) {
            self.count = count
            items = UnsafeMutablePointer<Accumulator>.allocate(capacity: count)
            items.initialize(repeating: Accumulator(), count: count)
        }

        deinit {
            items.deinitialize(count: count)
            items.deallocate()
        }

        func store(_ i: Int, _ value: Accumulator) { items[i] = value }
        func load(_ i: Int) -> Accumulator { items[i] }
    }

    /// ``scanFile(_:reader:context:into:)``, then what it added to `acc` is added to `progress`.
    @inline(__always)
    static func scanFile(_ file: AuditFile, reader: ContentReader, context: ScanContext, into acc: inout Accumulator,
                         progress: ScanProgress?) {
        guard let progress else { return scanFile(file, reader: reader, context: context, into: &acc) }
        let (files, bytes) = (acc.files, acc.bytes)
        scanFile(file, reader: reader, context: context, into: &acc)
        progress.add(files: acc.files - files, bytes: acc.bytes - bytes)
    }

    /// File rules (large, binary) and content rules for one tracked file. A file missing on disk is skipped.
    static func scanFile(_ file: AuditFile, reader: ContentReader, context: ScanContext, into acc: inout Accumulator) {
        let ext = FileKinds.ext(file.path)
        let binaryByExtension = FileKinds.binaryExtensions.contains(ext)
        let media = FileKinds.mediaExtensions.contains(ext)
        var raw: [RawFinding] = []
        var later: Deferred = .nothing
        let found = reader.withContent(file.path, want: { size in
            if binaryByExtension || media { return 0 }
            return size > Int64(AuditCatalogue.contentScanLimit) ? AuditCatalogue.binaryProbe : Int(size)
        }) { size, bytes in
            acc.files += 1
            if size > AuditCatalogue.largeFileLimit {
                raw.append(RawFinding(rule: AuditCatalogue.largeFile, line: nil, normalised: nil,
                                      message: "File is \(mebibytes(size)) MiB (limit 5 MiB)"))
            }
            if binaryByExtension {
                raw.append(RawFinding(rule: AuditCatalogue.binaryFile, line: nil, normalised: nil,
                                      message: "Committed binary artifact (.\(ext) file)"))
                if ext == "tar" {
                    later = .tar
                } else if FileKinds.compressedArchives.contains(ext) {
                    raw.append(RawFinding(rule: AuditCatalogue.archiveNotScanned, line: nil, normalised: nil,
                                          message: "Not scanned: compressed archive (.\(ext)); its members were not audited"))
                }
                return
            }
            if media { return }
            if Bytes.hasNUL(bytes, probe: AuditCatalogue.binaryProbe) {
                raw.append(RawFinding(rule: AuditCatalogue.binaryFile, line: nil, normalised: nil,
                                      message: "Committed binary file (NUL bytes in its first 8 KiB)"))
                return
            }
            guard size <= Int64(AuditCatalogue.contentScanLimit), Int64(bytes.count) == size else {
                if size > AuditCatalogue.streamScanLimit {
                    raw.append(RawFinding(rule: AuditCatalogue.notScanned, line: nil, normalised: nil,
                                          message: "Not scanned: \(mebibytes(size)) MiB text file exceeds the "
                                            + "\(AuditCatalogue.streamScanLimit >> 20) MiB streaming cap"))
                } else {
                    later = .stream
                }
                return
            }
            acc.bytes += bytes.count
            FileScanner.scanContent(path: file.path, bytes, context: context, into: &raw)
        }
        guard found else { return }
        switch later {
        case .nothing: break
        case .stream: acc.bytes += Streaming.scanLarge(file.path, reader: reader, context: context, into: &raw)
        case .tar:
            acc.bytes += Streaming.scanTar(file.path, reader: reader, context: context) { member, findings in
                acc.findings += finalise(path: member, findings)
            }
        }
        guard !raw.isEmpty else { return }
        acc.findings += finalise(path: file.path, raw)
    }

    /// Work left for after the first read of a file.
    enum Deferred { case nothing, stream, tar }

    /// Fingerprints for one file's findings; identical (rule, normalised line) pairs are numbered in line order.
    static func finalise(path: String, _ raw: [RawFinding]) -> [Finding] {
        let ordered = raw.enumerated().sorted { a, b in
            (a.element.line ?? 0, a.offset) < (b.element.line ?? 0, b.offset)
        }.map(\.element)
        var occurrences: [[UInt8]: Int] = [:]
        var out: [Finding] = []
        let inTests = TestPaths.isTest(path)
        out.reserveCapacity(ordered.count)
        for r in ordered {
            let fingerprint: String
            if let normalised = r.normalised {
                let key = Array(r.rule.id.utf8) + [0] + normalised
                let n = occurrences[key, default: 0]
                occurrences[key] = n + 1
                fingerprint = Fingerprint.line(ruleID: r.rule.id, path: path, normalisedLine: normalised, occurrence: n)
            } else {
                fingerprint = Fingerprint.file(ruleID: r.rule.id, path: path)
            }
            // Content findings (secrets, markers, workflow lines) in tests are marked; ``run`` caps their severity
            // (`audit.test_max_severity`). File-level and informational findings keep theirs.
            out.append(Finding(ruleID: r.rule.id, severity: r.rule.severity,
                               path: path, line: r.line, message: r.message, remediation: r.rule.remediation,
                               fingerprint: fingerprint, context: inTests && r.line != nil ? "test" : nil))
        }
        return out
    }

    static func mebibytes(_ size: Int64) -> String {
        let tenths = (size * 10 + 512 * 1024) / (1024 * 1024)
        return "\(tenths / 10).\(tenths % 10)"
    }
}
