/// Lexical path helpers (no file-system access).
public enum Path {
    public static func dirname(_ p: String) -> String {
        guard let slash = p.lastIndex(of: "/") else { return "." }
        if slash == p.startIndex { return "/" }
        return String(p[..<slash])
    }

    public static func basename(_ p: String) -> String {
        guard let slash = p.lastIndex(of: "/") else { return p }
        return String(p[p.index(after: slash)...])
    }

    public static func join(_ a: String, _ b: String) -> String {
        if b.hasPrefix("/") { return b }
        if a.isEmpty || a == "." { return b }
        return a.hasSuffix("/") ? a + b : a + "/" + b
    }

    /// Splits into components, dropping empty ones and ".".
    public static func components(_ p: String) -> [String] {
        p.split(separator: "/", omittingEmptySubsequences: true).map(String.init).filter { $0 != "." }
    }

    /// `path` relative to `base` when it is inside it (both absolute and normalised), else nil.
    public static func relative(_ path: String, to base: String) -> String? {
        if path == base { return "" }
        let prefix = base.hasSuffix("/") ? base : base + "/"
        return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : nil
    }

    /// True when `path` equals `dir` or lies below it, component-wise (`docs` does not contain `docs-private`).
    public static func isInside(_ path: String, _ dir: String) -> Bool {
        if dir.isEmpty { return true }
        return path == dir || path.hasPrefix(dir.hasSuffix("/") ? dir : dir + "/")
    }
}
