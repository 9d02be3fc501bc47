import SdetkitCore

/// One declared dependency.
struct Dependency: Hashable, Comparable {
    var name: String
    var version: String
    var scope: String

    var json: JSONValue { ["name": .string(name), "version": .string(version), "scope": .string(scope)] }

    static func < (a: Dependency, b: Dependency) -> Bool { (a.scope, a.name, a.version) < (b.scope, b.name, b.version) }
}

/// Line-level parsers for common manifest files. They read declarations, not lock files, and never run a tool.
enum DependencyParsers {
    /// Manifest file name → ecosystem, in report order.
    static let manifests: [(file: String, ecosystem: String)] = [
        ("Package.swift", "swiftpm"), ("package.json", "npm"), ("requirements.txt", "pip"),
        ("pyproject.toml", "python"), ("go.mod", "go"), ("Cargo.toml", "cargo"),
    ]

    static func parse(file: String, text: String) -> Result<[Dependency], ParamErrorText> {
        switch file {
        case "Package.swift": return .success(swiftPM(text))
        case "package.json": return npm(text)
        case "requirements.txt": return .success(requirements(text))
        case "pyproject.toml": return .success(pyproject(text))
        case "go.mod": return .success(goMod(text))
        case "Cargo.toml": return .success(cargo(text))
        default: return .success([])
        }
    }

    // MARK: Package.swift

    static func swiftPM(_ text: String) -> [Dependency] {
        let code = text.split(separator: "\n", omittingEmptySubsequences: false).map(withoutLineComment).joined(separator: " ")
        var out: [Dependency] = []
        var rest = Substring(code)
        while let r = rest.range(of: ".package(") {
            var depth = 1
            var i = r.upperBound
            while i < rest.endIndex && depth > 0 {
                if rest[i] == "(" { depth += 1 } else if rest[i] == ")" { depth -= 1 }
                i = rest.index(after: i)
            }
            let args = String(rest[r.upperBound..<(depth == 0 ? rest.index(before: i) : i)])
            rest = rest[i...]
            let location = quoted(after: "url:", in: args) ?? quoted(after: "path:", in: args)
            guard let location else { continue }
            var name = Path.basename(location)
            if name.hasSuffix(".git") { name.removeLast(4) }
            if let explicit = quoted(after: "name:", in: args) { name = explicit }
            var version = ""
            for (label, shown) in [("from:", "from "), ("exact:", ""), ("branch:", "branch "), ("revision:", "revision ")] {
                if let v = quoted(after: label, in: args) { version = shown + v; break }
            }
            if version.isEmpty, let loc = args.range(of: "\"" + location + "\"") {
                // A range such as "1.0.0"..<"2.0.0" after the location.
                let tail = args[loc.upperBound...].drop(while: { $0 == "," || $0 == " " })
                if tail.hasPrefix("\"") { version = String(tail).filter { $0 != " " } }
            }
            out.append(Dependency(name: name, version: version, scope: args.contains("path:") && !args.contains("url:") ? "local" : "runtime"))
        }
        return out
    }

    /// The line up to a `//` comment that is outside a string literal.
    static func withoutLineComment(_ line: Substring) -> Substring {
        var inString = false
        var previous: Character = " "
        var i = line.startIndex
        while i < line.endIndex {
            let c = line[i]
            if c == "\"" && previous != "\\" { inString.toggle() }
            if !inString && c == "/" && previous == "/" { return line[..<line.index(before: i)] }
            previous = c
            i = line.index(after: i)
        }
        return line
    }

    /// The first double-quoted string after `label`.
    static func quoted(after label: String, in text: String) -> String? {
        guard let r = text.range(of: label) else { return nil }
        let after = text[r.upperBound...].drop(while: { $0 == " " || $0 == "\t" })
        guard after.first == "\"" else { return nil }
        let body = after.dropFirst()
        guard let end = body.firstIndex(of: "\"") else { return nil }
        return String(body[..<end])
    }

    // MARK: package.json

    static func npm(_ text: String) -> Result<[Dependency], ParamErrorText> {
        let json: JSONValue
        do { json = try JSONParser.parse(text) } catch { return .failure(ParamErrorText("package.json is not valid JSON (\(error.description))")) }
        var out: [Dependency] = []
        for (key, scope) in [("dependencies", "runtime"), ("devDependencies", "dev"), ("peerDependencies", "peer"),
                             ("optionalDependencies", "optional")] {
            for (name, v) in json[key]?.objectValue ?? [:] {
                out.append(Dependency(name: name, version: v.stringValue ?? CanonicalJSON.string(v), scope: scope))
            }
        }
        return .success(out)
    }

    // MARK: Python

    /// `name[extras] <spec> ; markers` → (name, spec).
    static func pep508(_ raw: String) -> (String, String)? {
        let s = raw.trimmedSpaces
        let nameEnd = s.firstIndex { !($0.isLetter || $0.isNumber || $0 == "." || $0 == "_" || $0 == "-") } ?? s.endIndex
        let name = String(s[..<nameEnd])
        guard !name.isEmpty else { return nil }
        var rest = s[nameEnd...]
        if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") { rest = rest[rest.index(after: close)...] }
        if let semi = rest.firstIndex(of: ";") { rest = rest[..<semi] }
        return (name, String(rest).trimmedSpaces)
    }

    static func requirements(_ text: String) -> [Dependency] {
        text.split(separator: "\n").compactMap { line -> Dependency? in
            var l = String(line)
            if let hash = l.range(of: " #") { l = String(l[..<hash.lowerBound]) }
            l = l.trimmedSpaces
            guard !l.isEmpty, !l.hasPrefix("#"), !l.hasPrefix("-") else { return nil }
            guard let (name, spec) = pep508(l) else { return nil }
            return Dependency(name: name, version: spec, scope: "runtime")
        }
    }

    static func pyproject(_ text: String) -> [Dependency] {
        var out: [Dependency] = []
        var section = ""
        var listScope: String?
        for raw in text.split(separator: "\n") {
            let line = String(raw).trimmedSpaces
            if line.isEmpty || line.hasPrefix("#") { continue }
            if let scope = listScope {
                out += quotedStrings(line).compactMap { pep508($0).map { Dependency(name: $0.0, version: $0.1, scope: scope) } }
                if line.contains("]") { listScope = nil }
                continue
            }
            if line.hasPrefix("[") { section = line; continue }
            guard let eq = line.firstIndex(of: "=") else { continue }
            let key = String(line[..<eq]).trimmedSpaces
            let value = String(line[line.index(after: eq)...]).trimmedSpaces
            var scope: String?
            if section == "[project]" && key == "dependencies" { scope = "runtime" }
            if section == "[project.optional-dependencies]" { scope = "optional:" + key }
            if let scope, value.hasPrefix("[") {
                out += quotedStrings(value).compactMap { pep508($0).map { Dependency(name: $0.0, version: $0.1, scope: scope) } }
                if !value.contains("]") { listScope = scope }
                continue
            }
            if section.hasPrefix("[tool.poetry") && section.hasSuffix("dependencies]") && key != "python" {
                let scope = section == "[tool.poetry.dependencies]" ? "runtime" : "dev"
                out.append(Dependency(name: key.trimmingQuotes, version: tomlVersion(value), scope: scope))
            }
        }
        return out
    }

    static func quotedStrings(_ s: String) -> [String] {
        var out: [String] = []
        var current: String?
        var quote: Character = "\""
        for ch in s {
            if var c = current {
                if ch == quote { out.append(c); current = nil } else { c.append(ch); current = c }
            } else if ch == "\"" || ch == "'" {
                quote = ch
                current = ""
            }
        }
        return out
    }

    // MARK: go.mod

    static func goMod(_ text: String) -> [Dependency] {
        var out: [Dependency] = []
        var inBlock = false
        for raw in text.split(separator: "\n") {
            var line = String(raw).trimmedSpaces
            let indirect = line.contains("// indirect")
            if let c = line.range(of: "//") { line = String(line[..<c.lowerBound]).trimmedSpaces }
            if inBlock {
                if line == ")" { inBlock = false; continue }
            } else if line.hasPrefix("require (") || line == "require(" {
                inBlock = true
                continue
            } else if line.hasPrefix("require ") {
                line = String(line.dropFirst("require ".count))
            } else {
                continue
            }
            let parts = line.split(separator: " ").map(String.init)
            if parts.count >= 2 { out.append(Dependency(name: parts[0], version: parts[1], scope: indirect ? "indirect" : "runtime")) }
        }
        return out
    }

    // MARK: Cargo.toml

    static func cargo(_ text: String) -> [Dependency] {
        var out: [Dependency] = []
        var scope: String?
        var tableDep: (name: String, scope: String)?
        for raw in text.split(separator: "\n") {
            let line = String(raw).trimmedSpaces
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("[") {
                if let t = tableDep { out.append(Dependency(name: t.name, version: "", scope: t.scope)); tableDep = nil }
                let header = line.trimmingCharacters(in: "[]")
                scope = nil
                for (suffix, s) in [("dev-dependencies", "dev"), ("build-dependencies", "build"), ("dependencies", "runtime")] {
                    if header == suffix || header.hasSuffix("." + suffix) { scope = s; break }
                    if let r = header.range(of: suffix + "."), header.hasPrefix(suffix + ".") || header.contains("." + suffix + ".") {
                        tableDep = (String(header[r.upperBound...]), s)
                        break
                    }
                }
                continue
            }
            guard let eq = line.firstIndex(of: "=") else { continue }
            let key = String(line[..<eq]).trimmedSpaces
            let value = String(line[line.index(after: eq)...]).trimmedSpaces
            if let t = tableDep {
                if key == "version" { out.append(Dependency(name: t.name, version: value.trimmingQuotes, scope: t.scope)); tableDep = nil }
                continue
            }
            guard let scope else { continue }
            if key.hasSuffix(".workspace") {
                out.append(Dependency(name: String(key.dropLast(".workspace".count)), version: "workspace", scope: scope))
            } else {
                out.append(Dependency(name: key.trimmingQuotes, version: tomlVersion(value), scope: scope))
            }
        }
        if let t = tableDep { out.append(Dependency(name: t.name, version: "", scope: t.scope)) }
        return out
    }

    /// `"1.0"` → 1.0; `{ version = "1.0", … }` → 1.0; `{ path = "x" }` → path x; `{ git = "u" }` → git u.
    static func tomlVersion(_ value: String) -> String {
        if value.hasPrefix("\"") || value.hasPrefix("'") { return value.trimmingQuotes }
        if value.hasPrefix("{") {
            for (key, shown) in [("version", ""), ("path", "path "), ("git", "git ")] {
                if let r = value.range(of: key) {
                    let after = value[r.upperBound...].drop(while: { $0 == " " || $0 == "=" })
                    if let q = quotedStrings(String(after)).first { return shown + q }
                }
            }
            if value.contains("workspace") { return "workspace" }
        }
        return value
    }
}

struct ParamErrorText: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}

extension String {
    var trimmingQuotes: String {
        var s = Substring(self.trimmedSpaces)
        if let f = s.first, f == "\"" || f == "'" { s = s.dropFirst() }
        if let l = s.last, l == "\"" || l == "'" { s = s.dropLast() }
        return String(s)
    }

    func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s.removeFirst() }
        while let l = s.last, set.contains(l) { s.removeLast() }
        return String(s)
    }
}
