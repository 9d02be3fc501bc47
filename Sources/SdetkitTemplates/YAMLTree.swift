import SdetkitCore
import Yams

/// A YAML value with the 1-based line it starts on: what the template parser and the interpolator work on.
struct YNode: Sendable, Hashable {
    enum Kind: Sendable, Hashable {
        /// Scalar text; `plain` when unquoted (then typed by the YAML 1.2 core schema).
        case scalar(String, plain: Bool)
        case list([YNode])
        case map([YEntry])
    }

    var kind: Kind
    var line: Int

    var scalarText: String? {
        if case .scalar(let s, _) = kind { return s }
        return nil
    }

    var entries: [YEntry]? {
        if case .map(let e) = kind { return e }
        return nil
    }

    var items: [YNode]? {
        if case .list(let i) = kind { return i }
        return nil
    }

    /// True for `key:`, `key: ~` and `key: null` (unquoted).
    var isNull: Bool {
        if case .scalar(let s, true) = kind { return ["", "~", "null", "Null", "NULL"].contains(s) }
        return false
    }

    /// How the value is named in messages.
    var kindName: String {
        switch kind {
        case .scalar: return isNull ? "nothing" : "a scalar"
        case .list: return "a list"
        case .map: return "a mapping"
        }
    }

    /// The value as JSON, scalars typed by the YAML 1.2 core schema (quoted scalars are strings).
    var json: JSONValue {
        switch kind {
        case .scalar(let s, let plain): return plain ? YAMLTree.typedScalar(s) : .string(s)
        case .list(let items): return .array(items.map(\.json))
        case .map(let entries):
            var o: [String: JSONValue] = [:]
            for e in entries { o[e.key] = e.value.json }
            return .object(o)
        }
    }
}

struct YEntry: Sendable, Hashable {
    var key: String
    var line: Int
    var value: YNode
}

enum YAMLTree {
    /// Documented limits (docs/templates.md, "Limits"): checked before and while the tree is built, so a
    /// hostile file costs at most this much.
    static let maxBytes = 1 << 20
    static let maxNodes = 100_000
    static let maxDepth = 64

    /// Parses `text` into a tree. An empty document is nil. Every error carries the file and a line.
    /// Anchors and aliases are refused (an alias bomb expands exponentially), as are files over the limits.
    static func parse(_ text: String, file: String) throws(TemplateError) -> YNode? {
        let size = text.utf8.count
        guard size <= maxBytes else {
            throw .invalid([TemplateIssue(file: file, line: 1, problem: "the file is \(size) bytes; templates are limited to \(maxBytes) bytes (1 MiB)")])
        }
        let node: Node?
        // The parser stays alive while the tree is converted: it owns the anchors nodes refer to (weakly).
        let parser: Parser
        do {
            parser = try Parser(yaml: text, resolver: .basic, constructor: .default, encoding: .utf8)
            node = try parser.singleRoot()
        } catch let error as YamlError {
            throw .invalid([translate(error, text: text, file: file)])
        } catch {
            throw .invalid([TemplateIssue(file: file, line: nil, problem: "invalid YAML: \(error)")])
        }
        guard let node else { return nil }
        var c = Converter(file: file)
        let tree = withExtendedLifetime(parser) { c.convert(node, depth: 0) }
        if !c.issues.isEmpty { throw .invalid(c.issues) }
        return tree
    }

    /// Yams node → ``YNode``, counting nodes and depth and refusing anchors; stops at the first limit hit.
    struct Converter {
        let file: String
        var issues: [TemplateIssue] = []
        var nodes = 0
        var stopped = false

        init(file: String) { self.file = file }

        mutating func stop(_ line: Int, _ problem: String) -> YNode {
            if !stopped { issues.append(TemplateIssue(file: file, line: line, problem: problem)) }
            stopped = true
            return YNode(kind: .scalar("", plain: true), line: line)
        }

        mutating func convert(_ node: Node, depth: Int) -> YNode {
            let line = node.mark?.line ?? 1
            if stopped { return YNode(kind: .scalar("", plain: true), line: line) }
            nodes += 1
            if nodes > YAMLTree.maxNodes {
                return stop(line, "more than \(YAMLTree.maxNodes) YAML values; templates are limited to \(YAMLTree.maxNodes)")
            }
            if depth > YAMLTree.maxDepth {
                return stop(line, "values nested deeper than \(YAMLTree.maxDepth) levels; templates are limited to \(YAMLTree.maxDepth)")
            }
            if node.hasAnchor {
                return stop(line, "YAML anchors and aliases (&name, *name) are not supported in templates; write the value out")
            }
            switch node {
            case .scalar(let s):
                return YNode(kind: .scalar(s.string, plain: s.style == .plain || s.style == .any), line: line)
            case .sequence(let seq):
                var items: [YNode] = []
                items.reserveCapacity(seq.count)
                for n in seq {
                    items.append(convert(n, depth: depth + 1))
                    if stopped { break }
                }
                return YNode(kind: .list(items), line: line)
            case .mapping(let map):
                var entries: [YEntry] = []
                for (k, v) in map {
                    let keyLine = k.mark?.line ?? line
                    guard case .scalar(let ks) = k else {
                        issues.append(TemplateIssue(file: file, line: keyLine, problem: "mapping keys must be plain names, not a list or mapping"))
                        continue
                    }
                    if k.hasAnchor { return stop(keyLine, "YAML anchors and aliases (&name, *name) are not supported in templates; write the value out") }
                    entries.append(YEntry(key: ks.string, line: keyLine, value: convert(v, depth: depth + 1)))
                    if stopped { break }
                }
                return YNode(kind: .map(entries), line: line)
            case .alias:
                return stop(line, "YAML anchors and aliases (&name, *name) are not supported in templates; write the value out")
            }
        }
    }

    static func translate(_ error: YamlError, text: String, file: String) -> TemplateIssue {
        switch error {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            var p = problem
            if problem == "but found another document" {
                p = "the file holds more than one YAML document (a second '---'); keep only one"
            } else if let context, !context.text.isEmpty {
                let at = context.mark.line != mark.line ? " that starts on line \(context.mark.line)" : ""
                p += " (\(context.text)\(at))"
            }
            // libyaml reports errors found at the end of the input on the line after the last one.
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).count - (text.hasSuffix("\n") ? 1 : 0)
            return TemplateIssue(file: file, line: max(1, min(mark.line, max(lines, 1))),
                                 problem: "invalid YAML: \(p); check indentation, quotes and brackets")
        case .reader(let problem, let offset, _, _):
            return TemplateIssue(file: file, line: offset.map { lineOf(offset: $0, in: text) }, problem: "invalid YAML: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let names = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            return TemplateIssue(file: file, line: max(1, context.mark.line),
                                 problem: "duplicate key \(names) in one mapping; keep only one of them")
        default:
            return TemplateIssue(file: file, line: nil, problem: "invalid YAML: \(error)")
        }
    }

    static func lineOf(offset: Int, in text: String) -> Int {
        var line = 1
        for (i, ch) in text.enumerated() {
            if i >= offset { break }
            if ch.isNewline { line += 1 }
        }
        return line
    }

    /// A plain scalar under the YAML 1.2 core schema: null, booleans, decimal numbers, else a string.
    static func typedScalar(_ s: String) -> JSONValue {
        switch s {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        default:
            if isNumber(s), let d = Double(s), d.isFinite { return .number(d) }
            return .string(s)
        }
    }

    static func isNumber(_ s: String) -> Bool { YAMLNumber.isDecimal(s) }
}

extension Node {
    /// True when the node carries an anchor (`&name`): an alias (`*name`) returns the anchored node itself.
    var hasAnchor: Bool {
        switch self {
        case .scalar(let s): return s.anchor != nil
        case .mapping(let m): return m.anchor != nil
        case .sequence(let q): return q.anchor != nil
        case .alias: return true
        }
    }
}
