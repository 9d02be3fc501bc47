import SdetkitCore
import SdetkitEngine

/// `deps.inventory {output: "dependencies"}`: declared dependencies from the manifests at the repository root
/// (Package.swift, package.json, requirements.txt, pyproject.toml, go.mod, Cargo.toml), read through the
/// policy engine, written as `dependencies.json` and `dependencies.md`. No manifest is an empty inventory.
public struct DepsInventoryAction: AgentAction {
    public let name = "deps.inventory"
    public let summary = "Inventory declared dependencies of root manifests (SwiftPM, npm, pip, pyproject, Go, Cargo) into JSON + Markdown."
    /// Reads tracked content only and writes only into its run's output directory.
    public func isolation(_ params: JSONValue) -> ActionIsolation { .confined }
    public init() {}

    public func run(_ params: JSONValue, in context: ActionContext) async -> ActionResult {
        let base = params["output"]?.stringValue ?? "dependencies"
        var manifests: [JSONValue] = []
        var rows: [(String, String, Dependency)] = []
        var problems: [String] = []
        for (file, ecosystem) in DependencyParsers.manifests {
            guard FileSystem.isRegularFile(context.layout.absolute(file)) else { continue }
            let decision = context.policy.checkRead(path: file, action: name)
            guard decision.allowed, let rel = decision.resolvedRelativePath else {
                return .denied(name, params, decision.reason, approval: decision.approval)
            }
            guard let bytes = ActionSupport.readInside(rel, in: context, limit: 4 << 20) else {
                problems.append("\(rel): unreadable or over 4 MiB")
                continue
            }
            var entry: [String: JSONValue] = ["path": .string(rel), "ecosystem": .string(ecosystem),
                                              "sha256": .string(Digest.sha256Hex(bytes))]
            switch DependencyParsers.parse(file: file, text: String(decoding: bytes, as: UTF8.self)) {
            case .success(let deps):
                let sorted = Set(deps).sorted()
                entry["dependencies"] = .array(sorted.map(\.json))
                rows += sorted.map { (rel, ecosystem, $0) }
            case .failure(let e):
                entry["dependencies"] = .array([])
                entry["error"] = .string(e.reason)
                problems.append("\(rel): \(e.reason)")
            }
            manifests.append(.object(entry))
        }
        let report: JSONValue = ["schema": "sdetkit.dependencies/v1", "manifests": .array(manifests), "total": .int(rows.count),
                                 "problems": .array(problems.map { .string($0) })]
        var md = "# Dependency inventory\n\n"
        if manifests.isEmpty {
            md += "No dependency manifest found at the repository root (looked for "
                + DependencyParsers.manifests.map { "`\($0.file)`" }.joined(separator: ", ") + ").\n"
        } else {
            md += "\(rows.count) declared dependenc\(rows.count == 1 ? "y" : "ies") in \(manifests.count) manifest(s).\n\n"
            md += "| Manifest | Ecosystem | Scope | Name | Version |\n|---|---|---|---|---|\n"
            for (file, eco, d) in rows {
                md += "| \(ActionSupport.cell(file)) | \(eco) | \(ActionSupport.cell(d.scope)) | \(ActionSupport.cell(d.name)) | \(ActionSupport.cell(d.version)) |\n"
            }
            for p in problems { md += "\n- problem: \(ActionSupport.cell(p))" }
            if !problems.isEmpty { md += "\n" }
        }
        switch ActionSupport.writeReports([(base + ".json", "dependencies-json", ActionSupport.pretty(report)),
                                           (base + ".md", "dependencies-md", Array(md.utf8))],
                                          action: name, params: params, in: context) {
        case .failure(let r): return r.result
        case .success(let w):
            let result: JSONValue = ["manifests": .int(manifests.count), "dependencies": .int(rows.count),
                                     "reports": .array(w.paths.map { .string($0) })]
            return .succeeded(name, params, "\(rows.count) dependenc\(rows.count == 1 ? "y" : "ies") in \(manifests.count) manifest(s)",
                              approval: w.approval, result: result,
                              outputs: ["total": .int(rows.count), "manifests": .int(manifests.count),
                                        "path": .string(w.paths.first ?? ""), "markdown": .string(w.paths.last ?? "")],
                              artifacts: w.artifacts)
        }
    }
}
