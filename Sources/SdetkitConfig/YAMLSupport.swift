import SdetkitCore
import Yams

/// Parsing YAML text into Yams nodes (with line marks) and reading scalars with YAML 1.2 core-schema rules.
enum YAMLSupport {
    /// The single document in `text`, or nil when it is empty. Yams errors become ``ConfigError/invalidYAML``.
    /// Documented limits (docs/config.md): a config file is small; these stop hostile ones early.
    static let maxBytes = 1 << 20
    static let maxNodes = 100_000
    static let maxDepth = 64

    static func compose(_ text: String, file: String) throws(ConfigError) -> Node? {
        guard text.utf8.count <= maxBytes else {
            throw ConfigError.invalidYAML(file: file, line: 1, problem: "the file is \(text.utf8.count) bytes; config files are limited to 1 MiB")
        }
        do {
            // The basic resolver: scalar types are decided by `ScalarValue` below, not by Yams' YAML 1.1 regexes
            // (which would also read `010` as octal and `yes` as true), and no regexes are compiled at startup.
            // The parser stays alive during the check: it owns the anchors that nodes refer to (weakly).
            let parser = try Parser(yaml: text, resolver: .basic, constructor: .default, encoding: .utf8)
            guard let root = try parser.singleRoot() else { return nil }
            var nodes = 0
            if let (line, problem) = withExtendedLifetime(parser, { bounds(root, depth: 0, nodes: &nodes) }) {
                throw ConfigError.invalidYAML(file: file, line: line, problem: problem)
            }
            return root
        } catch let error as ConfigError {
            throw error
        } catch let error as YamlError {
            throw translate(error, text: text, file: file)
        } catch {
            throw ConfigError.invalidYAML(file: file, line: nil, problem: ConfigText.clip("\(error)", limit: 200))
        }
    }

    /// The first limit the tree breaks (anchors/aliases, node count, depth): its line and a problem.
    static func bounds(_ node: Node, depth: Int, nodes: inout Int) -> (Int, String)? {
        let line = node.mark?.line ?? 1
        nodes += 1
        if nodes > maxNodes { return (line, "more than \(maxNodes) YAML values; config files are limited to \(maxNodes)") }
        if depth > maxDepth { return (line, "values nested deeper than \(maxDepth) levels") }
        let anchored: Bool
        switch node {
        case .scalar(let s): anchored = s.anchor != nil
        case .mapping(let m): anchored = m.anchor != nil
        case .sequence(let q): anchored = q.anchor != nil
        case .alias: anchored = true
        }
        if anchored { return (line, "YAML anchors and aliases (&name, *name) are not supported in config; write the value out") }
        switch node {
        case .sequence(let q):
            for n in q { if let p = bounds(n, depth: depth + 1, nodes: &nodes) { return p } }
        case .mapping(let m):
            for (k, v) in m {
                if let p = bounds(k, depth: depth + 1, nodes: &nodes) ?? bounds(v, depth: depth + 1, nodes: &nodes) { return p }
            }
        default:
            break
        }
        return nil
    }

    static func translate(_ error: YamlError, text: String, file: String) -> ConfigError {
        func withContext(_ problem: String, _ context: YamlError.Context?, _ mark: Mark) -> ConfigError {
            var p = problem
            if character(at: mark, in: text) == "\t" {
                p = "a tab character at column \(mark.column); YAML indentation must use spaces"
            } else if problem == "but found another document" {
                p = "the file holds more than one YAML document (a second '---'); keep only one"
            } else if let context, !context.text.isEmpty {
                let at = context.mark.line != mark.line ? " that starts on line \(context.mark.line)" : ""
                p += " (\(context.text)\(at))"
            }
            return .invalidYAML(file: file, line: max(1, mark.line), problem: ConfigText.clip(p, limit: 200))
        }
        switch error {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            return withContext(problem, context, mark)
        case .reader(let problem, let offset, _, _):
            return .invalidYAML(file: file, line: offset.map { lineOf(characterOffset: $0, in: text) },
                                problem: ConfigText.clip(problem, limit: 200))
        case .duplicatedKeysInMapping(let duplicates, let context):
            return .duplicateKey(file: file, line: max(1, context.mark.line), keys: duplicates)
        default:
            return .invalidYAML(file: file, line: nil, problem: ConfigText.clip("\(error)", limit: 200))
        }
    }

    /// The character at a 1-based line and column (columns count Unicode scalars, as libyaml does).
    static func character(at mark: Mark, in text: String) -> Unicode.Scalar? {
        var line = 1
        var column = 1
        for u in text.unicodeScalars {
            if line == mark.line && column == mark.column { return u }
            if line > mark.line { return nil }
            if u == "\n" { line += 1; column = 1 } else { column += 1 }
        }
        return nil
    }

    static func lineOf(characterOffset: Int, in text: String) -> Int {
        var line = 1
        var seen = 0
        for ch in text {
            if seen >= characterOffset { break }
            if ch.isNewline { line += 1 }
            seen += 1
        }
        return line
    }
}

/// What a YAML scalar means under the YAML 1.2 core schema (quoted scalars are always strings).
enum ScalarValue: Equatable {
    case null
    case bool(Bool)
    /// A decimal integer; nil payload when it does not fit in `Int`.
    case int(Int?)
    case float(Double)
    case string(String)

    init(_ scalar: Node.Scalar) {
        let text = scalar.string
        let explicitString = scalar.tag.rawValue == Tag.Name.str.rawValue
        guard scalar.style == .plain || scalar.style == .any, !explicitString else {
            self = .string(text)
            return
        }
        switch text {
        case "", "~", "null", "Null", "NULL": self = .null
        case "true", "True", "TRUE": self = .bool(true)
        case "false", "False", "FALSE": self = .bool(false)
        default:
            if ScalarValue.isDecimalInteger(text) {
                self = .int(Int(text))
            } else if ScalarValue.isDecimalNumber(text), let d = Double(text) {
                self = .float(d)
            } else {
                self = .string(text)
            }
        }
    }

    /// `[-+]?[0-9]+`
    static func isDecimalInteger(_ s: String) -> Bool {
        var u = Substring(s).utf8[...]
        if let f = u.first, f == UInt8(ascii: "-") || f == UInt8(ascii: "+") { u = u.dropFirst() }
        return !u.isEmpty && u.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    static func isDecimalNumber(_ s: String) -> Bool { YAMLNumber.isDecimal(s) }
}

extension Node {
    /// The 1-based line of this node (1 when unknown).
    var line: Int { mark?.line ?? 1 }

    /// True for an empty or explicit null scalar (`key:`, `key: ~`, `key: null`).
    var isNullScalar: Bool {
        if case .scalar(let s) = self, ScalarValue(s) == .null { return true }
        return false
    }

    /// How a value is described in messages: `'text'`, `nothing`, `a list`, `a mapping`.
    var describedForMessage: String {
        switch self {
        case .scalar(let s):
            return ScalarValue(s) == .null ? "nothing" : "'\(ConfigText.clip(s.string))'"
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        case .alias: return "an alias"
        }
    }
}
