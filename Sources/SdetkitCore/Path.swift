/// Lexical path helpers (no file-system access).
///
/// Paths are byte strings: every comparison here is on UTF-8 bytes, never Unicode canonical equivalence
/// (`String ==`), since `café` spelled with a combining accent is another file than `café` on Linux.
public enum Path {
    public static func dirname(_ p: String) -> String {
        guard let slash = lastSlash(p) else { return "." }
        if slash == p.utf8.startIndex { return "/" }
        return String(p.utf8[..<slash])!
    }

    public static func basename(_ p: String) -> String {
        guard let slash = lastSlash(p) else { return p }
        return String(p.utf8[p.utf8.index(after: slash)...])!
    }

    static func lastSlash(_ p: String) -> String.Index? {
        p.utf8.lastIndex(of: UInt8(ascii: "/"))
    }

    public static func join(_ a: String, _ b: String) -> String {
        if b.utf8.first == UInt8(ascii: "/") { return b }
        if a.isEmpty || same(a, ".") { return b }
        return a.utf8.last == UInt8(ascii: "/") ? a + b : a + "/" + b
    }

    /// Splits into components, dropping empty ones and ".".
    public static func components(_ p: String) -> [String] {
        var out: [String] = []
        let bytes = p.utf8
        var start = bytes.startIndex
        var i = start
        while true {
            let atEnd = i == bytes.endIndex
            if atEnd || bytes[i] == UInt8(ascii: "/") {
                if i != start {
                    let part = String(bytes[start..<i])!
                    if !same(part, ".") { out.append(part) }
                }
                if atEnd { break }
                start = bytes.index(after: i)
            }
            i = bytes.index(after: i)
        }
        return out
    }

    /// `path` relative to `base` when it is inside it (both absolute and normalised), else nil.
    public static func relative(_ path: String, to base: String) -> String? {
        if same(path, base) { return "" }
        let b = base.utf8
        let p = path.utf8
        guard p.starts(with: b) else { return nil }
        var rest = p.index(p.startIndex, offsetBy: b.count)
        if b.last != UInt8(ascii: "/") {
            guard rest != p.endIndex, p[rest] == UInt8(ascii: "/") else { return nil }
            rest = p.index(after: rest)
        }
        return String(p[rest...])!
    }

    /// True when `path` equals `dir` or lies below it, component-wise (`docs` does not contain `docs-private`).
    public static func isInside(_ path: String, _ dir: String) -> Bool {
        if dir.isEmpty { return true }
        let d = dir.utf8
        let p = path.utf8
        guard p.starts(with: d) else { return false }
        if p.count == d.count || d.last == UInt8(ascii: "/") { return true }
        return p[p.index(p.startIndex, offsetBy: d.count)] == UInt8(ascii: "/")
    }

    /// Byte-wise equality (no Unicode canonical equivalence).
    public static func same(_ a: String, _ b: String) -> Bool {
        a.utf8.elementsEqual(b.utf8)
    }
}
