import SdetkitCore
import SdetkitEngine

/// Rewrites a Python sdetkit template to this project's format (docs/templates.md, "The Python format"), line
/// by line so comments and layout stay: `kits.*` steps are removed (with a comment saying why), audit
/// profiles that are not profiles here become `default`, `repo.audit`'s `output_json`/`output_sarif`/`output_md`
/// become one `outputs` mapping, and output paths written as `${{run.output_dir}}/NAME` become NAME (outputs are
/// named inside the run's output directory here). The result is parsed again; a file that would not validate
/// is not rewritten.
public struct TemplateMigrator {
    /// One change, for the summary.
    public struct Change: Sendable, Hashable {
        public var line: Int
        public var what: String
    }

    public struct Migration: Sendable {
        public var file: String
        public var original: String
        public var migrated: String
        public var changes: [Change]
        /// Problems that stop the rewrite (each `FILE:LINE: …`); empty when `migrated` validates.
        public var problems: [TemplateIssue]

        public var changed: Bool { migrated != original }

        /// A unified diff (`--- a/FILE`, `+++ b/FILE`), empty when nothing changes.
        public var diff: String { changed ? LineDiff.unified(original, migrated, file: file) : "" }
    }

    /// A line edit: replace lines `start..<start+count` (1-based) with `lines`.
    struct Edit {
        var start: Int
        var count: Int
        var lines: [String]
    }

    let file: String
    let lines: [String]
    var edits: [Edit] = []
    var changes: [Change] = []
    var problems: [TemplateIssue] = []

    /// Migrates `text` (shown as `file`); `registry` validates the result.
    public static func migrate(text: String, file: String, registry: ActionRegistry) -> Migration {
        var m = TemplateMigrator(file: file, lines: text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init))
        let root: YNode?
        do throws(TemplateError) { root = try YAMLTree.parse(text, file: file) } catch {
            return Migration(file: file, original: text, migrated: text, changes: [], problems: error.issues)
        }
        guard let root, let top = root.entries else {
            return Migration(file: file, original: text, migrated: text, changes: [],
                             problems: [TemplateIssue(file: file, line: 1, problem: "not a template: expected metadata and workflow")])
        }
        if let line = PythonFormat.githubWorkflowLine(root) {
            return Migration(file: file, original: text, migrated: text, changes: [],
                             problems: [TemplateIssue(file: file, line: line, problem: PythonFormat.githubWorkflowProblem)])
        }
        let inputs = top.first { $0.key == "inputs" }?.value.entries ?? []
        if let workflow = top.first(where: { $0.key == "workflow" }), let steps = workflow.value.items {
            let after = top.first { $0.line > workflow.line }?.line ?? (m.lines.count + 1)
            m.migrateSteps(steps, endLine: after, inputs: inputs)
        }
        var migrated = text
        if m.problems.isEmpty, !m.edits.isEmpty {
            migrated = m.applied().joined(separator: "\n")
            do throws(TemplateError) { _ = try TemplateParser.parse(text: migrated, file: file, registry: registry) } catch {
                m.problems += error.issues.map { TemplateIssue(file: $0.file, line: $0.line, problem: "after migration: " + $0.problem) }
            }
        }
        return Migration(file: file, original: text, migrated: m.problems.isEmpty ? migrated : text,
                         changes: m.changes.sorted { $0.line < $1.line }, problems: m.problems)
    }

    mutating func migrateSteps(_ steps: [YNode], endLine: Int, inputs: [YEntry]) {
        var removed: [String] = []
        for (i, step) in steps.enumerated() {
            guard let entries = step.entries else { continue }
            let id = entries.first { $0.key == "id" }?.value.scalarText ?? "#\(i + 1)"
            let action = entries.first { $0.key == "action" }?.value.scalarText ?? ""
            let with = entries.first { $0.key == "with" }?.value.entries ?? []
            for r in removed {
                let uses = entries.contains { Self.mentions($0.value, "steps.\(r).") }
                if uses { problem(step.line, "step '\(id)' uses the outputs of step '\(r)', which migration removes (\(action)); edit it by hand") }
            }
            if PythonFormat.refusedActions.contains(action) {
                guard isBlockItem(step.line) else {
                    problem(step.line, "step '\(id)' (\(action)) is written in flow style; remove it by hand")
                    continue
                }
                let next = i + 1 < steps.count ? steps[i + 1].line : endLine
                let indent = String(lines[step.line - 1].prefix { $0 == " " })
                edits.append(Edit(start: step.line, count: max(1, next - step.line), lines: [
                    "\(indent)# removed by 'sdetkit agent templates migrate': step '\(id)' (\(action) is not available here; docs/templates.md#the-python-format)",
                ]))
                changes.append(Change(line: step.line, what: "removed step '\(id)' (\(action))"))
                removed.append(id)
                continue
            }
            migrateParams(action: action, with: with, inputs: inputs)
        }
    }

    mutating func migrateParams(action: String, with: [YEntry], inputs: [YEntry]) {
        func entry(_ key: String) -> YEntry? { with.first { $0.key == key } }
        switch action {
        case "repo.audit":
            if let p = entry("profile"), let value = p.value.scalarText {
                if let input = Self.inputReference(value) {
                    if let def = inputs.first(where: { $0.key == input })?.value.entries?.first(where: { $0.key == "default" }),
                       let d = def.value.scalarText, !d.contains("${{"), AuditProfileNames.unknown(d) {
                        replace(def, with: "default", why: "input '\(input)' default profile '\(d)' → 'default' (not a profile here)")
                    }
                } else if !value.contains("${{"), AuditProfileNames.unknown(value) {
                    replace(p, with: "default", why: "profile '\(value)' → 'default' (not a profile here)")
                }
            }
            let keys: [(key: String, format: String)] = [("output_json", "json"), ("output_sarif", "sarif"), ("output_md", "md")]
            let found = keys.compactMap { k in entry(k.key).map { (entry: $0, format: k.format) } }
            guard let first = found.first, entry("outputs") == nil else { return }
            guard found.allSatisfy({ isSingleLine($0.entry) }) else {
                return problem(first.entry.line, "cannot rewrite repo.audit's output_* params here (flow style or multi-line); write them as outputs: {json: NAME, sarif: NAME} by hand")
            }
            let pairs = found.map { "\($0.format): \(Self.yamlText(Self.outputName($0.entry.value.scalarText ?? "")))" }
            let prefix = keyPrefix(first.entry.line)
            edits.append(Edit(start: first.entry.line, count: 1, lines: [prefix + "outputs: {" + pairs.joined(separator: ", ") + "}"]))
            for f in found.dropFirst() { edits.append(Edit(start: f.entry.line, count: 1, lines: [])) }
            changes.append(Change(line: first.entry.line, what: "repo.audit: " + found.map(\.entry.key).joined(separator: ", ") + " → outputs"))
        case "report.build", "artifacts.bundle", "review.adaptive":
            if let o = entry("output"), let v = o.value.scalarText, OutputTarget.stripRunOutputDir(v).map({ !$0.isEmpty }) == true {
                replace(o, with: Self.outputName(v), why: "\(action): output '\(v)' → '\(Self.outputName(v))' (inside the run's output directory)")
            }
            if action == "artifacts.bundle", let s = entry("source_dir"), let v = s.value.scalarText, OutputTarget.stripRunOutputDir(v) == "" {
                delete(s, why: "artifacts.bundle: source_dir '\(v)' is the default")
            }
            if action == "review.adaptive", let h = entry("history_dir"), let v = h.value.scalarText,
               Path.components(v) == Path.components(StateLayout.relHistory) {
                delete(h, why: "review.adaptive: history_dir '\(v)' is the default")
            }
        default:
            break
        }
    }

    // MARK: - Edits

    mutating func replace(_ e: YEntry, with value: String, why: String) {
        guard isSingleLine(e) else { return problem(e.line, "cannot rewrite '\(e.key)' here (flow style or multi-line value): \(why); change it by hand") }
        edits.append(Edit(start: e.line, count: 1, lines: [keyPrefix(e.line) + e.key + ": " + Self.yamlText(value)]))
        changes.append(Change(line: e.line, what: why))
    }

    mutating func delete(_ e: YEntry, why: String) {
        guard isSingleLine(e) else { return problem(e.line, "cannot remove '\(e.key)' here (flow style or multi-line value): \(why); change it by hand") }
        edits.append(Edit(start: e.line, count: 1, lines: []))
        changes.append(Change(line: e.line, what: why))
    }

    mutating func problem(_ line: Int, _ text: String) { problems.append(TemplateIssue(file: file, line: line, problem: text)) }

    /// The lines with every edit applied (edits never overlap: each names its own lines).
    func applied() -> [String] {
        var out = lines
        for e in edits.sorted(by: { $0.start > $1.start }) {
            let lo = e.start - 1, hi = min(lines.count, lo + e.count)
            out.replaceSubrange(lo..<hi, with: e.lines)
        }
        return out
    }

    /// True when line `line` is `INDENT KEY: VALUE` (block style) and the value is a one-line scalar.
    func isSingleLine(_ e: YEntry) -> Bool {
        guard e.line >= 1, e.line <= lines.count, e.value.line == e.line, e.value.scalarText != nil else { return false }
        let body = lines[e.line - 1].drop { $0 == " " }
        let rest = body.hasPrefix("- ") ? body.dropFirst(2).drop { $0 == " " } : body
        guard rest.hasPrefix(e.key + ":") else { return false }
        let value = rest.dropFirst(e.key.count + 1).drop { $0 == " " }
        return !(value.hasPrefix("|") || value.hasPrefix(">") || value.hasPrefix("{") || value.hasPrefix("["))
            && (e.value.scalarText.map { !$0.contains("\n") } ?? false)
    }

    /// True when the list item on `line` starts a block mapping (`- key: …`), not a flow one (`- {…}`).
    func isBlockItem(_ line: Int) -> Bool {
        guard line >= 1, line <= lines.count else { return false }
        let body = lines[line - 1].drop { $0 == " " }
        return body.hasPrefix("- ") && !body.dropFirst(2).drop { $0 == " " }.hasPrefix("{")
    }

    /// The indentation (and `- ` of a list item) before the key on `line`.
    func keyPrefix(_ line: Int) -> String {
        let text = lines[line - 1]
        var prefix = String(text.prefix { $0 == " " })
        let body = text.dropFirst(prefix.count)
        if body.hasPrefix("- ") { prefix += "- " + String(body.dropFirst(2).prefix { $0 == " " }) }
        return prefix
    }

    // MARK: - Values

    static func outputName(_ value: String) -> String { OutputTarget.stripRunOutputDir(value) ?? value }

    /// `inputs.NAME` when the whole value is `${{inputs.NAME}}`.
    static func inputReference(_ value: String) -> String? {
        let v = value.filter { $0 != " " }
        guard v.hasPrefix("${{inputs."), v.hasSuffix("}}") else { return nil }
        let name = v.dropFirst("${{inputs.".count).dropLast(2)
        return name.isEmpty || name.contains("$") ? nil : String(name)
    }

    /// A YAML scalar for `s`: plain when it is safe, else double-quoted (JSON escapes are YAML escapes).
    static func yamlText(_ s: String) -> String {
        let safe = !s.isEmpty && s.utf8.allSatisfy { Interpolation.isNameByte($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "/") }
            && YAMLTree.typedScalar(s).stringValue == s
        return safe ? s : CanonicalJSON.string(.string(s))
    }

    static func mentions(_ node: YNode, _ text: String) -> Bool {
        switch node.kind {
        case .scalar(let s, _): return s.contains(text)
        case .list(let items): return items.contains { mentions($0, text) }
        case .map(let entries): return entries.contains { mentions($0.value, text) }
        }
    }
}

/// The audit profiles this tool has (the audit module owns the enum; templates only need the names).
enum AuditProfileNames {
    static let known: Set<String> = ["default", "enterprise"]
    static func unknown(_ name: String) -> Bool { !known.contains(name) }
}

extension TemplateMigrator {
    /// Writes a migration over `path` atomically, after keeping the original as `path.bak` (also atomic).
    /// Refuses a target or backup that is a symlink or not a regular file. Returns the backup path.
    public static func write(_ m: Migration, to path: String) throws(TemplateError) -> String {
        let backup = path + ".bak"
        guard FileSystem.isRegularFile(path), !FileSystem.isSymlink(path) else {
            throw .usage("\(m.file): not a regular file (a symlink or something else); migrate the file it points to")
        }
        if FileSystem.exists(backup) || FileSystem.isSymlink(backup) {
            guard FileSystem.isRegularFile(backup), !FileSystem.isSymlink(backup) else {
                throw .usage("\(m.file).bak exists and is not a regular file; move it away to keep the backup there")
            }
        }
        do throws(SdetkitError) {
            try FileSystem.writeAtomically(Array(m.original.utf8), to: backup)
            try FileSystem.writeAtomically(Array(m.migrated.utf8), to: path)
        } catch {
            throw .usage("\(m.file): \(error.message)")
        }
        return backup
    }
}
