import SdetkitCore

/// Fixed path rules: what is never writable, and how names are compared for them.
enum PathRules {
    /// Folds a path component for comparison with protected names: case-insensitive (macOS and Windows
    /// file systems are), without code points HFS+ ignores in names, without trailing dots and spaces
    /// (NTFS drops them). `.GIT`, `.git.` and `.g\u{200C}it` all fold to `.git`.
    static func fold(_ name: String) -> String {
        if name.utf8.allSatisfy({ $0 < 0x80 }) { return foldASCII(name) }
        var scalars = String.UnicodeScalarView()
        for s in name.lowercased().unicodeScalars where !isIgnorable(s) { scalars.append(s) }
        var folded = String(scalars)
        while let last = folded.last, last == "." || last == " " {
            if folded == "." || folded == ".." { break }
            folded.removeLast()
        }
        return folded
    }

    /// ``fold(_:)`` for an ASCII name: the same result, without Unicode case mapping.
    static func foldASCII(_ name: String) -> String {
        var bytes = name.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
        let dotOrDotDot = bytes == [0x2E] || bytes == [0x2E, 0x2E]
        if !dotOrDotDot {
            while let last = bytes.last, last == 0x2E || last == 0x20 {
                bytes.removeLast()
                if bytes == [0x2E] || bytes == [0x2E, 0x2E] { break }
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func isIgnorable(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x200B...0x200F, 0x202A...0x202E, 0x206A...0x206F, 0xFEFF: return true
        default: return false
        }
    }

    /// Why the repo-relative path `rel` is never writable, or nil. `extraProtected` holds repo-relative
    /// paths (e.g. a custom audit log and its lock file) that are protected exactly.
    static func neverWritable(_ rel: String, extraProtected: [String]) -> String? {
        let parts = Path.components(rel).map(fold)
        if parts.contains(".git") {
            return "'.git' is never writable: repository internals (nested repositories included) are off limits"
        }
        if parts.count >= 3 && parts[0] == ".sdetkit" && parts[1] == "agent" {
            let name = parts[2]
            if name == "history" {
                return "the run history (.sdetkit/agent/history) is never writable by actions"
            }
            if name == "config.yaml" {
                return "the configuration (.sdetkit/agent/config.yaml) is never writable by actions"
            }
            if name.utf8.starts(with: "index.sqlite".utf8) {
                return "the history index (.sdetkit/agent/index.sqlite*) is never writable by actions"
            }
            if name.utf8.starts(with: "audit.jsonl".utf8) {
                return "the audit log (.sdetkit/agent/audit.jsonl) is never writable by actions"
            }
        }
        let folded = parts.joined(separator: "/")
        for p in extraProtected where foldPath(p) == folded {
            return "the audit log is never writable by actions"
        }
        return nil
    }

    static func foldPath(_ rel: String) -> String {
        Path.components(rel).map(fold).joined(separator: "/")
    }

    /// True when the repo-relative path has a `.git` component (reads of repository internals are denied).
    static func hasGitComponent(_ rel: String) -> Bool {
        Path.components(rel).contains { fold($0) == ".git" }
    }
}

/// Text for people: control characters escaped so a path or argument cannot forge terminal output.
enum Display {
    static func text(_ s: String) -> String {
        if s.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return s }
        var out = ""
        for u in s.unicodeScalars {
            switch u.value {
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0..<0x20, 0x7F, 0x80..<0xA0, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069:
                out += "\\u{" + String(u.value, radix: 16) + "}"
            default: out.unicodeScalars.append(u)
            }
        }
        return out
    }

    /// An argv as a person would type it: words with spaces or quotes are single-quoted.
    static func argv(_ words: [String]) -> String {
        words.map { w -> String in
            let plain = !w.isEmpty && w.unicodeScalars.allSatisfy { s in
                (s.value >= 0x30 && s.value <= 0x39) || (s.value >= 0x41 && s.value <= 0x5A)
                    || (s.value >= 0x61 && s.value <= 0x7A) || "-_./=:,+@%".unicodeScalars.contains(s)
            }
            return plain ? w : "'" + text(w).replacingQuotes() + "'"
        }.joined(separator: " ")
    }
}

extension String {
    fileprivate func replacingQuotes() -> String {
        var out = ""
        for c in self { if c == "'" { out += "'\\''" } else { out.append(c) } }
        return out
    }
}
