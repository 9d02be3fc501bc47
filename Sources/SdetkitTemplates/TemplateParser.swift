import SdetkitCore
import SdetkitEngine

/// Parses and validates template YAML. Every problem is reported with the file and line it is about;
/// all problems of a file are collected (a YAML syntax error stops at the first).
public enum TemplateParser {
    static let rootKeys = ["metadata", "inputs", "workflow", "outputs"]
    static let metadataKeys = ["id", "title", "version", "description", "tags"]
    static let inputKeys = ["type", "default", "required", "enum", "description"]
    static let stepKeys = ["id", "name", "action", "with", "when", "retries", "timeout_seconds", "continue_on_error"]
    static let retryKeys = ["max", "backoff_seconds"]
    /// At most this many steps in one workflow (docs/templates.md, "Limits").
    public static let maxSteps = 1_000

    /// Parses `bytes` (UTF-8 YAML). With a `registry`, every step's action must exist in it.
    public static func parse(bytes: [UInt8], file: String, registry: ActionRegistry? = nil) throws(TemplateError) -> Template {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw .invalid([TemplateIssue(file: file, line: nil, problem: "not UTF-8 text; save the template as UTF-8")])
        }
        guard let root = try YAMLTree.parse(text, file: file) else {
            throw .invalid([TemplateIssue(file: file, line: 1, problem: "the file is empty; a template needs metadata and workflow")])
        }
        var p = Builder(file: file)
        let template = p.template(root, bytes: bytes, registry: registry)
        guard p.issues.isEmpty, let template else {
            throw .invalid(p.issues.sorted { ($0.line ?? 0) < ($1.line ?? 0) })
        }
        return template
    }

    public static func parse(text: String, file: String, registry: ActionRegistry? = nil) throws(TemplateError) -> Template {
        try parse(bytes: Array(text.utf8), file: file, registry: registry)
    }

    static func isName(_ s: String, allowDots: Bool) -> Bool {
        guard let first = s.utf8.first, s.utf8.count <= 64 else { return false }
        let firstOK = (0x30...0x39).contains(first) || (0x41...0x5A).contains(first) || (0x61...0x7A).contains(first) || first == 0x5F
        return firstOK && s.utf8.allSatisfy { Interpolation.isNameByte($0) || (allowDots && $0 == UInt8(ascii: ".")) }
    }
}

/// The parsing state: the file name and the issues found so far.
struct Builder {
    let file: String
    var issues: [TemplateIssue] = []

    init(file: String) { self.file = file }

    mutating func add(_ line: Int?, _ problem: String) { issues.append(TemplateIssue(file: file, line: line, problem: problem)) }

    // MARK: - Shapes

    /// The entries of a mapping; unknown keys are reported with a suggestion.
    mutating func mapping(_ node: YNode, _ what: String, allowed: [String]?) -> [String: YEntry]? {
        guard let entries = node.entries else {
            add(node.line, "\(what) must be a mapping (key: value lines), got \(node.kindName)")
            return nil
        }
        var out: [String: YEntry] = [:]
        for e in entries {
            if let allowed, !allowed.contains(e.key) {
                let hint = Suggest.closest(e.key, in: allowed).map { " (did you mean '\($0)'?)" }
                    ?? "; allowed keys: " + allowed.joined(separator: ", ")
                add(e.line, "unknown key '\(e.key)' in \(what)\(hint)")
                continue
            }
            out[e.key] = e
        }
        return out
    }

    mutating func text(_ node: YNode, _ what: String) -> String? {
        guard let s = node.scalarText, !node.isNull else {
            add(node.line, "\(what) must be text, got \(node.kindName)")
            return nil
        }
        return s
    }

    mutating func bool(_ node: YNode, _ what: String) -> Bool? {
        if case .bool(let b) = node.json { return b }
        add(node.line, "\(what) must be true or false, got \(node.scalarText.map { "'\($0)'" } ?? node.kindName)")
        return nil
    }

    mutating func number(_ node: YNode, _ what: String, range: ClosedRange<Double>) -> Double? {
        guard case .number(let n) = node.json, range.contains(n) else {
            let lo = CanonicalJSON.formatNumber(range.lowerBound), hi = CanonicalJSON.formatNumber(range.upperBound)
            add(node.line, "\(what) must be a number from \(lo) to \(hi), got \(node.scalarText.map { "'\($0)'" } ?? node.kindName)")
            return nil
        }
        return n
    }

    // MARK: - Template

    mutating func template(_ root: YNode, bytes: [UInt8], registry: ActionRegistry?) -> Template? {
        if let line = PythonFormat.githubWorkflowLine(root) {
            add(line, PythonFormat.githubWorkflowProblem)
            return nil
        }
        guard let top = mapping(root, "the template", allowed: TemplateParser.rootKeys) else { return nil }
        var meta: TemplateMetadata?
        if let m = top["metadata"] { meta = metadata(m.value) } else { add(1, "missing 'metadata' (id, title, version, description, tags)") }
        var inputs: [TemplateInput] = []
        if let i = top["inputs"], !i.value.isNull { inputs = self.inputs(i.value) }
        var steps: [TemplateStep] = []
        if let w = top["workflow"] {
            steps = workflow(w.value, registry: registry)
        } else {
            add(1, "missing 'workflow': list the steps to run")
        }
        var outputs: [TemplateOutput] = []
        if let o = top["outputs"], !o.value.isNull, let entries = mapping(o.value, "outputs", allowed: nil) {
            for e in (o.value.entries ?? []) where entries[e.key] != nil {
                guard TemplateParser.isName(e.key, allowDots: false) else {
                    add(e.line, "output name '\(e.key)' must use letters, digits, '_' or '-'")
                    continue
                }
                if let v = text(e.value, "output '\(e.key)'") {
                    outputs.append(TemplateOutput(name: e.key, value: v, line: e.value.line))
                }
            }
        }
        // References: inputs must be declared; steps must come earlier (any step, for outputs).
        let declared = Set(inputs.map(\.name))
        let allSteps = steps.map(\.id)
        var position: [String: Int] = [:]
        for (i, id) in allSteps.enumerated() where position[id] == nil { position[id] = i }
        for (i, s) in steps.enumerated() {
            let refs = StepRefs(all: allSteps, position: position, before: i)
            if let with = s.with { checkReferences(with, declared: declared, steps: refs, step: s.id) }
            if let when = s.when { checkReferences(when, declared: declared, steps: refs, step: s.id) }
        }
        for o in outputs {
            checkReferences(YNode(kind: .scalar(o.value, plain: false), line: o.line), declared: declared,
                            steps: StepRefs(all: allSteps, position: position, before: allSteps.count), step: nil)
        }
        guard let meta else { return nil }
        return Template(metadata: meta, inputs: inputs, workflow: steps, outputs: outputs, file: file,
                        digest: Digest.sha256Hex(bytes), bytes: bytes)
    }

    mutating func metadata(_ node: YNode) -> TemplateMetadata? {
        guard let m = mapping(node, "metadata", allowed: TemplateParser.metadataKeys) else { return nil }
        var id: String?
        if let e = m["id"] {
            if let s = text(e.value, "metadata.id") {
                if TemplateParser.isName(s, allowDots: true) { id = s } else {
                    add(e.value.line, "metadata.id '\(s)' must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit")
                }
            }
        } else {
            add(node.line, "metadata needs an 'id' (e.g. id: repo-health-audit)")
        }
        var title: String?
        if let e = m["title"] { title = text(e.value, "metadata.title") } else { add(node.line, "metadata needs a 'title'") }
        let version = m["version"].flatMap { text($0.value, "metadata.version") } ?? "0"
        let description = m["description"].flatMap { $0.value.isNull ? "" : text($0.value, "metadata.description") } ?? ""
        var tags: [String] = []
        if let e = m["tags"], !e.value.isNull {
            if let items = e.value.items {
                tags = items.compactMap { text($0, "each of metadata.tags") }
            } else {
                add(e.value.line, "metadata.tags must be a list, e.g. [audit, security]")
            }
        }
        guard let id, let title else { return nil }
        return TemplateMetadata(id: id, title: title, version: version, description: description, tags: tags)
    }

    mutating func inputs(_ node: YNode) -> [TemplateInput] {
        guard mapping(node, "inputs", allowed: nil) != nil, let entries = node.entries else { return [] }
        var out: [TemplateInput] = []
        for e in entries {
            guard TemplateParser.isName(e.key, allowDots: false) else {
                add(e.line, "input name '\(e.key)' must use letters, digits, '_' or '-'")
                continue
            }
            if let i = input(e) { out.append(i) }
        }
        return out
    }

    mutating func input(_ e: YEntry) -> TemplateInput? {
        let what = "input '\(e.key)'"
        if e.value.isNull {
            return TemplateInput(name: e.key, type: .string, defaultValue: nil, required: false, allowed: nil, description: "", line: e.line)
        }
        guard let spec = mapping(e.value, what, allowed: TemplateParser.inputKeys) else { return nil }
        var type: InputType?
        if let t = spec["type"] {
            if let s = text(t.value, "\(what) type") {
                type = InputType(rawValue: s)
                if type == nil { add(t.value.line, "\(what) type must be string, number or boolean, got '\(s)'") ; return nil }
            } else { return nil }
        }
        let defaultNode = spec["default"].flatMap { $0.value.isNull ? nil : $0.value }
        if type == nil {
            switch defaultNode?.json {
            case .bool?: type = .boolean
            case .number?: type = .number
            default: type = .string
            }
        }
        let resolved = type ?? .string
        var defaultValue: JSONValue?
        if let d = defaultNode {
            defaultValue = TemplateInputs.coerce(d, to: resolved)
            if defaultValue == nil { add(d.line, "\(what) default must be a \(resolved.rawValue), got \(d.scalarText.map { "'\($0)'" } ?? d.kindName)") }
        }
        let required = spec["required"].flatMap { bool($0.value, "\(what) required") } ?? false
        var allowed: [JSONValue]?
        if let en = spec["enum"] {
            if let items = en.value.items, !items.isEmpty {
                var values: [JSONValue] = []
                for item in items {
                    if let v = TemplateInputs.coerce(item, to: resolved) { values.append(v) } else {
                        add(item.line, "\(what) enum values must be \(resolved.rawValue)s, got \(item.scalarText.map { "'\($0)'" } ?? item.kindName)")
                    }
                }
                allowed = values
                if let dv = defaultValue, !values.contains(dv) {
                    add(defaultNode?.line ?? en.line, "\(what) default '\(Interpolation.text(dv))' is not one of its enum values (\(values.map(Interpolation.text).joined(separator: ", ")))")
                }
            } else {
                add(en.value.line, "\(what) enum must be a non-empty list of allowed values")
            }
        }
        let description = spec["description"].flatMap { text($0.value, "\(what) description") } ?? ""
        return TemplateInput(name: e.key, type: resolved, defaultValue: defaultValue, required: required, allowed: allowed,
                             description: description, line: e.line)
    }

    mutating func workflow(_ node: YNode, registry: ActionRegistry?) -> [TemplateStep] {
        guard let items = node.items else {
            add(node.line, "workflow must be a list of steps (lines starting with '- id: …'), got \(node.kindName)")
            return []
        }
        if items.isEmpty { add(node.line, "workflow must list at least one step") }
        guard items.count <= TemplateParser.maxSteps else {
            add(node.line, "the workflow has \(items.count) steps; templates are limited to \(TemplateParser.maxSteps)")
            return []
        }
        var steps: [TemplateStep] = []
        var seen: [String: Int] = [:]
        for item in items {
            guard let s = step(item, registry: registry) else { continue }
            if let first = seen[s.id] {
                add(s.line, "step id '\(s.id)' is used twice (first on line \(first)); step ids must be unique")
                continue
            }
            seen[s.id] = s.line
            steps.append(s)
        }
        return steps
    }

    mutating func step(_ node: YNode, registry: ActionRegistry?) -> TemplateStep? {
        guard let m = mapping(node, "a workflow step", allowed: TemplateParser.stepKeys) else { return nil }
        var id: String?
        if let e = m["id"], let s = text(e.value, "step id") {
            if TemplateParser.isName(s, allowDots: false) { id = s } else {
                add(e.value.line, "step id '\(s)' must be letters, digits, '_' or '-', starting with a letter, digit or '_'")
            }
        } else if m["id"] == nil {
            add(node.line, "a workflow step needs an 'id'")
        }
        let what = "step '\(id ?? "?")'"
        var action: String?
        var actionLine = node.line
        if let e = m["action"] {
            actionLine = e.value.line
            if let a = text(e.value, "\(what) action") {
                if let registry, registry.action(named: a) == nil, let refusal = PythonFormat.refusal(action: a, file: file) {
                    add(e.value.line, "\(what): \(refusal)")
                } else if let registry, registry.action(named: a) == nil {
                    let hint = Suggest.closest(a, in: registry.names).map { "did you mean '\($0)'? " } ?? ""
                    add(e.value.line, "\(what): unknown action '\(a)'; \(hint)known actions: \(registry.names.joined(separator: ", "))")
                }
                action = a
            }
        } else {
            add(node.line, "\(what) needs an 'action' (see 'sdetkit agent actions')")
        }
        var with: YNode?
        if let e = m["with"], !e.value.isNull {
            if mapping(e.value, "\(what) with", allowed: nil) != nil {
                with = e.value
                for entry in e.value.entries ?? [] where Interpolation.mentions(entry.key) {
                    add(entry.line, "\(what): '${{' is not allowed in parameter names, only in values")
                }
            }
        }
        var when: YNode?
        if let e = m["when"] {
            if e.value.scalarText != nil { when = e.value } else { add(e.value.line, "\(what) when must be text or true/false, got \(e.value.kindName)") }
        }
        var retries = RetryPolicy.none
        if let e = m["retries"], !e.value.isNull {
            if case .number = e.value.json {
                if let n = number(e.value, "\(what) retries", range: 0...10) {
                    if n.rounded() == n { retries.max = Int(n) } else { add(e.value.line, "\(what) retries must be a whole number") }
                }
            } else if let r = mapping(e.value, "\(what) retries", allowed: TemplateParser.retryKeys) {
                if let mx = r["max"], let n = number(mx.value, "\(what) retries.max", range: 0...10) {
                    if n.rounded() == n { retries.max = Int(n) } else { add(mx.value.line, "\(what) retries.max must be a whole number") }
                }
                if let b = r["backoff_seconds"], let n = number(b.value, "\(what) retries.backoff_seconds", range: 0...300) {
                    retries.backoffSeconds = n
                }
            }
        }
        var timeout: Double?
        if let e = m["timeout_seconds"], !e.value.isNull {
            timeout = number(e.value, "\(what) timeout_seconds", range: 0.001...86_400)
        }
        let continueOnError = m["continue_on_error"].flatMap { bool($0.value, "\(what) continue_on_error") } ?? false
        let name = m["name"].flatMap { text($0.value, "\(what) name") }
        guard let id, let action else { return nil }
        return TemplateStep(id: id, name: name, action: action, with: with, when: when, retries: retries, timeoutSeconds: timeout,
                            continueOnError: continueOnError, line: node.line, actionLine: actionLine)
    }

    // MARK: - References

    mutating func checkReferences(_ node: YNode, declared: Set<String>, steps: StepRefs, step: String?) {
        switch node.kind {
        case .list(let items): for i in items { checkReferences(i, declared: declared, steps: steps, step: step) }
        case .map(let entries): for e in entries { checkReferences(e.value, declared: declared, steps: steps, step: step) }
        case .scalar(let s, _):
            guard Interpolation.mentions(s) else { return }
            switch Interpolation.references(in: s) {
            case .failure(let p): add(node.line, p.reason)
            case .success(let refs):
                for ref in refs {
                    switch ref {
                    case .outputDir: break
                    case .input(let name) where !declared.contains(name):
                        let hint = Suggest.closest(name, in: Array(declared)).map { "did you mean '\($0)'? " } ?? ""
                        add(node.line, "unknown input '\(name)' in ${{ inputs.\(name) }}; \(hint)declared inputs: \(declared.isEmpty ? "none" : declared.sorted().joined(separator: ", "))")
                    case .input: break
                    case .stepOutput(let id, _) where !steps.isEarlier(id):
                        if id == step {
                            add(node.line, "step '\(id)' refers to its own outputs; only earlier steps' outputs can be used")
                        } else if steps.exists(id) {
                            add(node.line, "step '\(id)' runs later; only earlier steps' outputs can be used here")
                        } else {
                            add(node.line, "unknown step '\(id)' in ${{ steps.\(id)… }}; steps: \(steps.shown)")
                        }
                    case .stepOutput: break
                    }
                }
            }
        }
    }
}

/// "Did you mean": the closest candidate within a small edit distance.
enum Suggest {
    static func closest(_ word: String, in candidates: [String]) -> String? {
        let w = Array(word.lowercased().utf8)
        var best: (String, Int)?
        for c in candidates.sorted() {
            let d = distance(w, Array(c.lowercased().utf8))
            if d <= (w.count <= 3 ? 1 : (w.count == 4 ? 2 : 3)), best == nil || d < best!.1 { best = (c, d) }
        }
        return best?.0
    }

    static func distance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var prev = Array(0...b.count)
        var cur = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            cur[0] = i
            for j in 1...b.count {
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&prev, &cur)
        }
        return prev[b.count]
    }
}
