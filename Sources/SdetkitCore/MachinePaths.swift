/// Keeps the checkout's absolute path out of recorded text: `ROOT/docs` becomes `docs`, `ROOT` alone `.`.
/// A path is only replaced where it is whole (followed by `/`, a quote, a space, punctuation or the end).
public enum MachinePaths {
    public static func relativise(_ text: String, root: String) -> String {
        guard root.count > 1, text.contains(root) else { return text }
        var out = ""
        var rest = Substring(text)
        while let r = rest.firstRange(of: root) {
            let after = rest[r.upperBound...]
            out += rest[..<r.lowerBound]
            if after.hasPrefix("/") {
                rest = after.dropFirst()
                if rest.isEmpty || rest.first == " " || rest.first == "'" { out += "." }
            } else if after.isEmpty || " '\":,;)".contains(after.first!) {
                out += "."
                rest = after
            } else {
                out += root
                rest = after
            }
        }
        return out + rest
    }

    /// Every string inside `value`, relativised.
    public static func relativise(_ value: JSONValue, root: String) -> JSONValue {
        switch value {
        case .string(let s): return s.contains(root) ? .string(relativise(s, root: root)) : value
        case .array(let a): return .array(a.map { relativise($0, root: root) })
        case .object(let o): return .object(o.mapValues { relativise($0, root: root) })
        default: return value
        }
    }
}
