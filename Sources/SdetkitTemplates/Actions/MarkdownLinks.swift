/// Finds link targets in Markdown: inline links and images `[x](target)`, `![x](target)`, and reference
/// definitions `[x]: target`. Fenced code blocks and inline code spans are skipped.
enum MarkdownLinks {
    struct Link: Hashable {
        var line: Int
        var target: String
    }

    static func links(in text: String) -> [Link] {
        var out: [Link] = []
        var fence: (char: Character, count: Int)?
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.hasSuffix("\r") ? String(raw.dropLast()) : String(raw)
            let lead = line.prefix(while: { $0 == " " })
            let body = line.dropFirst(lead.count)
            if lead.count <= 3, let f = body.first, f == "`" || f == "~" {
                let run = body.prefix(while: { $0 == f }).count
                if run >= 3 {
                    if let open = fence {
                        if open.char == f && run >= open.count && body.dropFirst(run).allSatisfy({ $0 == " " }) { fence = nil }
                    } else {
                        fence = (f, run)
                    }
                    continue
                }
            }
            if fence != nil { continue }
            if lead.count <= 3, let def = definition(String(body)) {
                out.append(Link(line: i + 1, target: def))
                continue
            }
            for t in inline(withoutCodeSpans(line)) { out.append(Link(line: i + 1, target: t)) }
        }
        return out
    }

    /// `[label]: target "title"` → target.
    static func definition(_ s: String) -> String? {
        guard s.hasPrefix("["), let close = s.range(of: "]:"), close.lowerBound > s.index(after: s.startIndex) else { return nil }
        let rest = s[close.upperBound...].drop(while: { $0 == " " || $0 == "\t" })
        if rest.hasPrefix("<"), let end = rest.firstIndex(of: ">") { return String(rest[rest.index(after: rest.startIndex)..<end]) }
        let target = rest.prefix(while: { $0 != " " && $0 != "\t" })
        return target.isEmpty ? nil : String(target)
    }

    /// Targets of `](…)` on one line.
    static func inline(_ line: String) -> [String] {
        var out: [String] = []
        let chars = Array(line)
        var i = 0
        while i + 1 < chars.count {
            guard chars[i] == "]", chars[i + 1] == "(" else { i += 1; continue }
            var j = i + 2
            while j < chars.count, chars[j] == " " { j += 1 }
            var target = ""
            if j < chars.count, chars[j] == "<" {
                j += 1
                while j < chars.count, chars[j] != ">" { target.append(chars[j]); j += 1 }
            } else {
                var depth = 0
                while j < chars.count {
                    let c = chars[j]
                    if c == " " || c == "\t" { break }
                    if c == "(" { depth += 1 }
                    if c == ")" { if depth == 0 { break }; depth -= 1 }
                    target.append(c)
                    j += 1
                }
            }
            if !target.isEmpty { out.append(target) }
            i = j
        }
        return out
    }

    /// The line with inline code spans (`` `…` ``, matched by backtick run length) blanked out.
    static func withoutCodeSpans(_ line: String) -> String {
        guard line.contains("`") else { return line }
        let chars = Array(line)
        var out: [Character] = []
        var i = 0
        while i < chars.count {
            guard chars[i] == "`" else { out.append(chars[i]); i += 1; continue }
            var run = 0
            while i + run < chars.count, chars[i + run] == "`" { run += 1 }
            var j = i + run
            var closed: Int?
            while j < chars.count {
                if chars[j] == "`" {
                    var r = 0
                    while j + r < chars.count, chars[j + r] == "`" { r += 1 }
                    if r == run { closed = j + r; break }
                    j += r
                } else {
                    j += 1
                }
            }
            if let closed {
                out.append(contentsOf: repeatElement(" ", count: closed - i))
                i = closed
            } else {
                out.append(contentsOf: chars[i..<(i + run)])
                i += run
            }
        }
        return String(out)
    }

    /// True for targets that are not repository paths: URLs with a scheme (`https:`, `mailto:`, …),
    /// protocol-relative `//host`, and pure `#anchor` links.
    static func isExternal(_ target: String) -> Bool {
        if target.hasPrefix("#") || target.hasPrefix("//") { return true }
        guard let colon = target.firstIndex(of: ":") else { return false }
        let scheme = target[..<colon]
        guard let first = scheme.first, first.isLetter else { return false }
        return scheme.allSatisfy { $0.isLetter || $0.isNumber || $0 == "+" || $0 == "." || $0 == "-" }
    }

    /// `%XX` escapes decoded (invalid escapes are kept as they are).
    static func percentDecoded(_ s: String) -> String {
        guard s.contains("%") else { return s }
        let u = Array(s.utf8)
        var out: [UInt8] = []
        var i = 0
        while i < u.count {
            if u[i] == UInt8(ascii: "%"), i + 2 < u.count, let b = Hex.decode(String(decoding: u[(i + 1)...(i + 2)], as: UTF8.self)) {
                out.append(b[0])
                i += 3
            } else {
                out.append(u[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
