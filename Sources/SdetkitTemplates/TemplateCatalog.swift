import SdetkitCore
import SdetkitEngine

/// A template found by discovery, with where it came from.
public struct DiscoveredTemplate: Sendable {
    public var template: Template
    /// `shipped` (built into the binary) or the repo-relative path of the file.
    public var source: String
    /// True when this repository template replaced a shipped one with the same id.
    public var overridesShipped: Bool

    public var id: String { template.id }

    /// `{id, title, version, description, tags, source}` as `templates list --json` prints it.
    public var summaryJSON: JSONValue {
        guard case .object(var o) = template.metadata.json else { return .null }
        o["source"] = .string(source)
        return .object(o)
    }
}

/// A template file that did not validate.
public struct InvalidTemplateFile: Sendable {
    public var file: String
    public var issues: [TemplateIssue]
    /// The `metadata.id` the file declares, when it can be read.
    public var id: String?
    /// True when the file declares the id of a shipped template: that shipped template is not used in its
    /// place (the repository meant to replace it), so running the id reports this file's problems.
    public var shadowsShipped = false

    public init(file: String, issues: [TemplateIssue], id: String? = nil, shadowsShipped: Bool = false) {
        self.file = file
        self.issues = issues
        self.id = id
        self.shadowsShipped = shadowsShipped
    }
}

/// The shipped pack plus the repository's `templates/automations/*.yaml`; a repository template replaces a
/// shipped one with the same id.
public struct TemplateCatalog: Sendable {
    public static let repoDirectory = "templates/automations"
    public static let shippedSource = "shipped"

    /// Valid templates, sorted by id.
    public var templates: [DiscoveredTemplate]
    /// Files that did not validate (not in ``templates``).
    public var invalid: [InvalidTemplateFile]

    public var issues: [TemplateIssue] { invalid.flatMap(\.issues) }

    /// With a `registry`, steps naming an unknown action make their template invalid.
    /// With `only`, shipped templates with other ids are not even parsed (shipped files are named `<id>.yaml`,
    /// which a test checks); repository templates are always read, since only parsing tells their ids.
    public static func discover(repoRoot: String?, registry: ActionRegistry? = nil, only: Set<String>? = nil) -> TemplateCatalog {
        var byID: [String: DiscoveredTemplate] = [:]
        var invalid: [InvalidTemplateFile] = []
        for (name, yaml) in ShippedPack.files {
            if let only, !only.contains(String(name.dropLast(".yaml".count))) { continue }
            let label = shippedLabel(name)
            do throws(TemplateError) {
                let t = try TemplateParser.parse(text: yaml, file: label, registry: registry)
                byID[t.id] = DiscoveredTemplate(template: t, source: shippedSource, overridesShipped: false)
            } catch {
                invalid.append(InvalidTemplateFile(file: label, issues: error.issues))
            }
        }
        var repoIDs: [String: String] = [:]
        if let repoRoot {
            for rel in repoTemplateFiles(repoRoot: repoRoot) {
                do throws(TemplateError) {
                    let t = try load(path: repoRoot + "/" + rel, shownAs: rel, registry: registry)
                    if let first = repoIDs[t.id] {
                        invalid.append(InvalidTemplateFile(file: rel, issues: [TemplateIssue(file: rel, line: nil,
                            problem: "template id '\(t.id)' is already used by \(first); ids must be unique (this file is ignored)")]))
                        continue
                    }
                    repoIDs[t.id] = rel
                    let overrides = byID[t.id]?.source == shippedSource
                    byID[t.id] = DiscoveredTemplate(template: t, source: rel, overridesShipped: overrides)
                } catch {
                    let id = declaredID(path: repoRoot + "/" + rel)
                    var shadows = false
                    if let id, byID[id]?.source == shippedSource {
                        byID[id] = nil
                        shadows = true
                    }
                    invalid.append(InvalidTemplateFile(file: rel, issues: error.issues, id: id, shadowsShipped: shadows))
                }
            }
        }
        return TemplateCatalog(templates: byID.values.sorted { $0.id < $1.id }, invalid: invalid)
    }

    public static func shippedLabel(_ name: String) -> String { "<shipped>/\(name)" }

    /// Repo-relative paths of `templates/automations/*.yaml|*.yml` (regular files inside the repository), sorted.
    public static func repoTemplateFiles(repoRoot: String) -> [String] {
        let dir = repoRoot + "/" + repoDirectory
        let root = FileSystem.realPath(repoRoot) ?? repoRoot
        return FileSystem.list(dir).filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted().compactMap { name in
            let abs = dir + "/" + name
            guard FileSystem.isRegularFile(abs), let real = FileSystem.realPath(abs), Path.relative(real, to: root) != nil else { return nil }
            return repoDirectory + "/" + name
        }
    }

    /// Reads and parses one template file.
    public static func load(path: String, shownAs: String, registry: ActionRegistry? = nil) throws(TemplateError) -> Template {
        let bytes: [UInt8]
        do { bytes = try FileSystem.readBytes(path) } catch {
            throw .invalid([TemplateIssue(file: shownAs, line: nil, problem: error.message)])
        }
        return try TemplateParser.parse(bytes: bytes, file: shownAs, registry: registry)
    }

    /// ``load(path:shownAs:registry:)`` as a result.
    public static func check(path: String, shownAs: String, registry: ActionRegistry? = nil) -> Result<Template, TemplateError> {
        do throws(TemplateError) {
            return .success(try load(path: path, shownAs: shownAs, registry: registry))
        } catch {
            return .failure(error)
        }
    }

    /// The `metadata.id` a template file declares (best effort, for files that do not validate).
    static func declaredID(path: String) -> String? {
        guard let bytes = try? FileSystem.readBytes(path), bytes.count <= 1 << 20, let text = String(validating: bytes, as: UTF8.self),
              let root = try? YAMLTree.parse(text, file: path),
              let meta = root.entries?.first(where: { $0.key == "metadata" })?.value,
              let id = meta.entries?.first(where: { $0.key == "id" })?.value.scalarText,
              TemplateParser.isName(id, allowDots: true) else { return nil }
        return id
    }

    /// The template with this id; an invalid file whose name or id matches reports its problems instead.
    public func find(_ id: String) throws(TemplateError) -> DiscoveredTemplate {
        if let t = templates.first(where: { $0.id == id }) { return t }
        if let f = invalid.first(where: { $0.id == id }) { throw .invalid(f.issues) }
        for f in invalid {
            let base = Path.basename(f.file)
            if base == id + ".yaml" || base == id + ".yml" { throw .invalid(f.issues) }
        }
        throw .notFound(id: id, known: templates.map(\.id))
    }
}
