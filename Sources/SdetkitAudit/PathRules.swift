#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `.sdetkit/audit-ignore`: paths the audit leaves out, in gitignore syntax (docs/audit.md "Excluding paths").
///
/// `#` comments and blank lines are skipped; `!pattern` re-includes; a trailing `/` matches directories only; a
/// pattern with a `/` other than a trailing one is anchored at the repository root, one without matches a name
/// at any depth; `*` and `?` do not cross `/`, `**` does; `[abc]` classes work. A path is excluded when it, or
/// one of its parent directories, matches; the last matching pattern wins.
public struct AuditIgnore: Sendable, Equatable {
    public static let path = ".sdetkit/audit-ignore"
    /// A larger ignore file is read up to this size.
    static let maxBytes = 256 * 1024

    struct Pattern: Sendable, Equatable {
        let glob: [UInt8]
        let negated: Bool
        let dirOnly: Bool
        let anchored: Bool
    }

    let patterns: [Pattern]

    public var isEmpty: Bool { patterns.isEmpty }

    private init(patterns: [Pattern]) { self.patterns = patterns }

    /// These patterns, then `other`'s (the last matching pattern wins).
    public func followed(by other: AuditIgnore) -> AuditIgnore { AuditIgnore(patterns: patterns + other.patterns) }

    public init(_ text: String) {
        var out: [Pattern] = []
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: true) {
            var line = Substring(rawLine)
            if line.hasSuffix("\r") { line = line.dropLast() }
            while line.hasSuffix(" ") && !line.hasSuffix("\\ ") { line = line.dropLast() }
            if line.isEmpty || line.hasPrefix("#") { continue }
            var negated = false
            if line.hasPrefix("!") { negated = true; line = line.dropFirst() }
            if line.hasPrefix("\\") { line = line.dropFirst() }
            var dirOnly = false
            if line.hasSuffix("/") { dirOnly = true; line = line.dropLast() }
            var anchored = line.contains("/")
            if line.hasPrefix("/") { line = line.dropFirst(); anchored = true }
            guard !line.isEmpty else { continue }
            out.append(Pattern(glob: Array(line.utf8), negated: negated, dirOnly: dirOnly, anchored: anchored))
        }
        patterns = out
    }

    /// The ignore file of `input`: from memory, or from the work tree (it need not be tracked).
    static func load(_ input: AuditInput) -> AuditIgnore {
        switch input.content {
        case .memory(let contents):
            return contents[path].map { AuditIgnore(String(decoding: $0.prefix(maxBytes), as: UTF8.self)) }
                ?? AuditIgnore("")
        case .workingTree:
            let full = input.repoRoot + "/" + path
            let fd = open(full, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
            guard fd >= 0 else { return AuditIgnore("") }
            defer { close(fd) }
            var bytes = [UInt8](repeating: 0, count: maxBytes)
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, maxBytes) }
            return AuditIgnore(n > 0 ? String(decoding: bytes.prefix(n), as: UTF8.self) : "")
        }
    }

    /// True when `path` (repo-relative, `/`-separated) is excluded.
    public func excludes(_ path: String) -> Bool {
        guard !patterns.isEmpty else { return false }
        let parts = path.split(separator: "/").map { Array($0.utf8) }
        var excluded = false
        for p in patterns {
            if matches(p, parts) { excluded = !p.negated }
        }
        return excluded
    }

    /// The pattern matches the path itself or one of its parent directories.
    private func matches(_ p: Pattern, _ parts: [[UInt8]]) -> Bool {
        for depth in 1...max(parts.count, 1) where depth <= parts.count {
            let isDir = depth < parts.count
            if p.dirOnly && !isDir { continue }
            if p.anchored {
                let prefix = parts[0..<depth].joined(separator: [UInt8(ascii: "/")])
                if Glob.match(p.glob[...], Array(prefix)[...]) { return true }
            } else if Glob.match(p.glob[...], parts[depth - 1][...]) {
                return true
            }
        }
        return false
    }
}

/// fnmatch-style matching with `**` (crosses `/`), `*`, `?` (not `/`) and `[…]` classes.
enum Glob {
    static func match(_ p: ArraySlice<UInt8>, _ s: ArraySlice<UInt8>) -> Bool {
        var p = p, s = s
        while let c = p.first {
            switch c {
            case UInt8(ascii: "*"):
                let double = p.dropFirst().first == UInt8(ascii: "*")
                let rest = p.dropFirst(double ? 2 : 1)
                if double && rest.first == UInt8(ascii: "/") {
                    // `a/**/b` also matches `a/b`.
                    if match(rest.dropFirst(), s) { return true }
                }
                if rest.isEmpty { return double || !s.contains(UInt8(ascii: "/")) }
                var t = s
                while true {
                    if match(rest, t) { return true }
                    guard let f = t.first, double || f != UInt8(ascii: "/") else { return false }
                    t = t.dropFirst()
                }
            case UInt8(ascii: "?"):
                guard let f = s.first, f != UInt8(ascii: "/") else { return false }
                p = p.dropFirst()
                s = s.dropFirst()
            case UInt8(ascii: "["):
                guard let f = s.first, let close = p.dropFirst(2).firstIndex(of: UInt8(ascii: "]")) else {
                    if s.first == c { p = p.dropFirst(); s = s.dropFirst(); continue }
                    return false
                }
                var set = p[(p.startIndex + 1)..<close]
                let negate = set.first == UInt8(ascii: "!") || set.first == UInt8(ascii: "^")
                if negate { set = set.dropFirst() }
                var hit = false
                var i = set.startIndex
                while i < set.endIndex {
                    if i + 2 < set.endIndex && set[i + 1] == UInt8(ascii: "-") {
                        if f >= set[i] && f <= set[i + 2] { hit = true }
                        i += 3
                    } else {
                        if f == set[i] { hit = true }
                        i += 1
                    }
                }
                guard hit != negate, f != UInt8(ascii: "/") else { return false }
                p = p[(close + 1)...]
                s = s.dropFirst()
            default:
                guard s.first == c else { return false }
                p = p.dropFirst()
                s = s.dropFirst()
            }
        }
        return s.isEmpty
    }
}

/// Paths of tests, fixtures and examples: content findings there carry `context: "test"` and a lower severity.
enum TestPaths {
    static let directories: Set<String> = [
        "test", "tests", "testing", "spec", "specs", "__tests__", "__mocks__", "testdata", "test-data", "test_data",
        "fixture", "fixtures", "example", "examples", "sample", "samples", "mocks",
    ]

    /// A directory component in ``directories`` (case-insensitive), or a test file name: `*_test.*`, `test_*.py`,
    /// `*.test.*`, `*.spec.*`, `*Tests.swift`, `*Test.java` / `.kt`.
    static func isTest(_ path: String) -> Bool {
        let parts = path.split(separator: "/")
        for dir in parts.dropLast() where directories.contains(dir.lowercased()) { return true }
        guard let base = parts.last.map(String.init) else { return false }
        let lower = base.lowercased()
        if lower.contains("_test.") || lower.contains(".test.") || lower.contains(".spec.") { return true }
        if lower.hasPrefix("test_") && lower.hasSuffix(".py") { return true }
        return base.hasSuffix("Tests.swift") || base.hasSuffix("Test.java") || base.hasSuffix("Test.kt")
    }

}
