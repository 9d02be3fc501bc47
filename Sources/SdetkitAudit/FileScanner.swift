import SdetkitCore

/// A finding before its fingerprint is computed (fingerprints need every finding of the file).
struct RawFinding {
    let rule: AuditRule
    let line: Int?
    /// Normalised line text for line findings; nil for file-level ones.
    let normalised: [UInt8]?
    let message: String
}

/// The read-only state shared by every scanning thread.
///
/// The keyword pre-filter reports up to 62 rule bits per line (bits 62 and 63 are the conflict and allow
/// markers). With more rules than that, rule i uses bit i % 62; a rule whose bit it shares with another rule
/// checks on the (rare) hit line that one of its own keywords occurs before its regexes run.
struct ScanContext: Sendable {
    let profile: AuditProfile
    let matcher: KeywordMatcher
    let secretRules: [SecretRule]
    /// Non-generic secret rules, then the generic ones (checked last, only if nothing else matched).
    let specificOrder: [Int]
    let genericOrder: [Int]
    /// Pre-filter bit of each rule, and whether that bit is shared with another rule.
    let bitOf: [UInt64]
    let sharedBit: [Bool]
    /// Each rule's keywords as bytes (lower-cased when case-insensitive), for the shared-bit check.
    let keywordBytes: [[(bytes: [UInt8], caseSensitive: Bool)]]

    static let ruleBits = 62
    static let conflictBit: UInt64 = 1 << 62
    static let allowBit: UInt64 = 1 << 63
    static let allowMarker = "sdetkit:allow"
    /// gitleaks' inline allow comment is honoured too, so a repository moving over keeps its annotations.
    static let allowMarkers = ["sdetkit:allow", "gitleaks:allow"]
    /// Lines longer than this are matched in overlapping windows around keyword occurrences.
    static let windowSize = 4096
    static let windowOverlap = 512

    init(profile: AuditProfile) {
        self.profile = profile
        let rules = SecretRule.all
        self.secretRules = rules
        var entries: [(String, Bool, UInt64)] = []
        var bits: [UInt64] = []
        var users = [Int](repeating: 0, count: Self.ruleBits)
        for (i, r) in rules.enumerated() {
            let bit = UInt64(1) << UInt64(i % Self.ruleBits)
            bits.append(bit)
            users[i % Self.ruleBits] += 1
            for (kw, cs) in r.keywords { entries.append((kw, cs, bit)) }
        }
        entries.append(("<<<<<<<", true, Self.conflictBit))
        entries.append((">>>>>>>", true, Self.conflictBit))
        for marker in Self.allowMarkers { entries.append((marker, false, Self.allowBit)) }
        self.matcher = KeywordMatcher(entries)
        self.bitOf = bits
        self.sharedBit = rules.indices.map { users[$0 % Self.ruleBits] > 1 }
        self.keywordBytes = rules.map { r in
            r.keywords.map { (kw, cs) in (cs ? Array(kw.utf8) : Array(kw.lowercased().utf8), cs) }
        }
        self.specificOrder = rules.indices.filter { !rules[$0].isGeneric && !rules[$0].fallback }
        // Fallback rules first, then the generic assignment rule.
        self.genericOrder = rules.indices.filter { rules[$0].fallback } + rules.indices.filter { rules[$0].isGeneric }
    }

    /// Whether rule `i` may match on a line whose pre-filter mask is `mask`.
    func applies(_ i: Int, mask: UInt64, line: UnsafeBufferPointer<UInt8>) -> Bool {
        guard mask & bitOf[i] != 0 else { return false }
        let needs = secretRules[i].lineMustContain
        if !needs.isEmpty && !line.contains(where: { needs.contains($0) }) { return false }
        guard sharedBit[i] else { return true }
        return keywordBytes[i].contains { Bytes.contains(line, $0.bytes, ignoreCase: !$0.caseSensitive) }
    }
}

/// Content rules for one file: secrets, merge-conflict markers and GitHub Actions workflow checks.
enum FileScanner {
    static func scanContent(path: String, _ buf: UnsafeBufferPointer<UInt8>, context: ScanContext,
                            into out: inout [RawFinding], workflows: Bool = true) {
        context.matcher.scanLines(buf) { start, rawEnd, lineNo, mask in
            if mask & ScanContext.allowBit != 0 { return }
            var end = rawEnd
            if end > start && buf[end - 1] == 0x0D { end -= 1 }
            let line = UnsafeBufferPointer(rebasing: buf[start..<end])
            var normalised: [UInt8]?
            func norm() -> [UInt8] {
                if let n = normalised { return n }
                let n = Fingerprint.normalise(line)
                normalised = n
                return n
            }
            if mask & ScanContext.conflictBit != 0, let marker = conflictMarker(line) {
                out.append(RawFinding(rule: AuditCatalogue.conflictMarker, line: lineNo, normalised: norm(),
                                      message: "Unresolved merge-conflict marker '\(marker)'"))
            }
            let secretMask = mask & ~(ScanContext.conflictBit | ScanContext.allowBit)
            guard secretMask != 0 else { return }
            var windows = LineWindows(line: line, mask: secretMask, matcher: context.matcher)
            var matchedSpecific = false
            // The generic rule needs an assignment: skip its (case-insensitive, costly) regex on lines that merely
            // mention "token" or "password" without '=' or ':'.
            let hasAssignment = line.contains { $0 == 0x3D || $0 == 0x3A }
            for (tier, order) in [context.specificOrder, context.genericOrder].enumerated() {
                if matchedSpecific { break }
                for i in order where context.applies(i, mask: secretMask, line: line) {
                    let rule = context.secretRules[i]
                    if rule.isGeneric && !hasAssignment { continue }
                    if let message = windows.firstMatch(bit: context.bitOf[i], rule: rule, file: buf, lineEnd: rawEnd) {
                        out.append(RawFinding(rule: rule.rule, line: lineNo, normalised: norm(), message: message))
                        matchedSpecific = true
                        // One fallback-tier finding per line: a bearer header is not also a generic assignment.
                        if tier == 1 { break }
                    }
                }
            }
        }
        if workflows && Workflows.isWorkflow(path) {
            Workflows.scan(buf, profile: context.profile, into: &out)
        }
    }

    /// `<<<<<<<` or `>>>>>>>` at the start of the line followed by a space or the end of the line.
    static func conflictMarker(_ line: UnsafeBufferPointer<UInt8>) -> String? {
        guard line.count >= 7 else { return nil }
        let c = line[0]
        guard c == UInt8(ascii: "<") || c == UInt8(ascii: ">") else { return nil }
        for k in 1..<7 where line[k] != c { return nil }
        if line.count > 7 && line[7] != 0x20 { return nil }
        return String(repeating: Character(Unicode.Scalar(c)), count: 7)
    }
}

/// The text a line's regexes run on: the whole line, or for a very long line (minified code) the overlapping
/// windows that contain the rule's keywords. Decoded text is cached per window.
struct LineWindows {
    let line: UnsafeBufferPointer<UInt8>
    let matcher: KeywordMatcher
    var ranges: [Range<Int>] = []
    var masks: [UInt64] = []
    var texts: [String?] = []

    init(line: UnsafeBufferPointer<UInt8>, mask: UInt64, matcher: KeywordMatcher) {
        self.line = line
        self.matcher = matcher
        if line.count <= ScanContext.windowSize + ScanContext.windowOverlap {
            ranges = [0..<line.count]
            masks = [mask]
        } else {
            var start = 0
            while start < line.count {
                let r = start..<min(line.count, start + ScanContext.windowSize + ScanContext.windowOverlap)
                ranges.append(r)
                masks.append(matcher.mask(of: UnsafeBufferPointer(rebasing: line[r])))
                start += ScanContext.windowSize
            }
        }
        texts = Array(repeating: nil, count: ranges.count)
    }

    mutating func firstMatch(bit: UInt64, rule: SecretRule, file: UnsafeBufferPointer<UInt8>, lineEnd: Int) -> String? {
        for k in ranges.indices where masks[k] & bit != 0 {
            let text: String
            if let t = texts[k] {
                text = t
            } else {
                text = String(decoding: UnsafeBufferPointer(rebasing: line[ranges[k]]), as: UTF8.self)
                texts[k] = text
            }
            if let message = rule.match(text, file: file, lineEnd: lineEnd) { return message }
        }
        return nil
    }
}

/// File kinds by extension.
enum FileKinds {
    /// Build artifacts, archives, executables, libraries, bytecode, packages and keystores.
    static let binaryExtensions: Set<String> = [
        "exe", "dll", "so", "dylib", "jar", "war", "ear", "aar", "class", "o", "a", "lib", "pyc", "pyo",
        "zip", "gz", "tgz", "bz2", "xz", "7z", "rar", "tar", "zst", "whl", "egg", "iso", "img", "dmg", "pkg",
        "deb", "rpm", "apk", "ipa", "msi", "wasm", "pdb", "node", "ko", "bin", "jks", "keystore", "p12", "pfx",
        "nupkg", "gem", "crx", "xpi", "elf",
    ]

    /// Compressed archives: not unpacked, so they get a `files.archive-not-scanned` info finding.
    static let compressedArchives: Set<String> = [
        "zip", "gz", "tgz", "bz2", "xz", "7z", "rar", "zst", "jar", "war", "ear", "aar", "whl", "egg", "apk",
        "ipa", "nupkg", "crx", "xpi", "gem", "deb", "rpm",
    ]

    /// Expected binary formats never reported as committed binaries: images, fonts, audio/video, documents.
    static let mediaExtensions: Set<String> = [
        "png", "jpg", "jpeg", "gif", "ico", "icns", "webp", "bmp", "tif", "tiff", "avif", "heic", "psd",
        "woff", "woff2", "ttf", "otf", "eot", "mp3", "mp4", "m4a", "wav", "ogg", "oga", "webm", "mov", "flac",
        "pdf", "docx", "xlsx", "pptx", "odt", "ods", "odp",
    ]

    /// The lower-cased extension after the last '.' of the basename ("" when none).
    static func ext(_ path: String) -> String {
        let base = Path.basename(path)
        guard let dot = base.lastIndex(of: "."), dot != base.startIndex else { return "" }
        return base[base.index(after: dot)...].lowercased()
    }
}
