import SdetkitCore
import SdetkitEngine

/// `docs.links {fail_on_broken: false, output: "links"}`: relative links in tracked Markdown files whose
/// target does not exist. URLs with a scheme, `//host` and `#anchor`-only links are ignored; for
/// `path#anchor` only the path is checked. Writes `links.json` and `links.md`.
public struct DocsLinksAction: AgentAction {
    public let name = "docs.links"
    public let summary = "Find broken relative links in tracked Markdown files (report in the run's output dir; fail_on_broken gates)."
    public init() {}

    public func run(_ params: JSONValue, in context: ActionContext) async -> ActionResult {
        let failOnBroken: Bool
        switch ActionSupport.flag(params, "fail_on_broken", default: false, action: name) {
        case .success(let b): failOnBroken = b
        case .failure(let e): return .failed(name, params, e.reason)
        }
        let base = params["output"]?.stringValue ?? "links"
        let tracked: [String]
        switch ActionSupport.trackedPaths(action: name, params: params, in: context) {
        case .success(let paths): tracked = paths
        case .failure(let f): return f.result
        }
        let markdown = tracked.filter { let l = $0.lowercased(); return l.hasSuffix(".md") || l.hasSuffix(".markdown") }
        var broken: [JSONValue] = []
        var brokenRows: [(String, Int, String, String)] = []
        var checked = 0
        for file in markdown {
            guard let bytes = ActionSupport.readInside(file, in: context, limit: 8 << 20) else { continue }
            for link in MarkdownLinks.links(in: String(decoding: bytes, as: UTF8.self)) {
                guard !MarkdownLinks.isExternal(link.target) else { continue }
                var path = link.target
                if let cut = path.firstIndex(where: { $0 == "#" || $0 == "?" }) { path = String(path[..<cut]) }
                path = MarkdownLinks.percentDecoded(path)
                if path.isEmpty { continue }
                checked += 1
                if let reason = Self.problem(path, from: file, in: context) {
                    broken.append(["file": .string(file), "line": .int(link.line), "target": .string(link.target), "reason": .string(reason)])
                    brokenRows.append((file, link.line, link.target, reason))
                }
            }
        }
        let report: JSONValue = ["schema": "sdetkit.links/v1", "files_checked": .int(markdown.count), "links_checked": .int(checked),
                                 "broken": .array(broken)]
        var md = "# Markdown link check\n\n\(markdown.count) Markdown file(s), \(checked) relative link(s) checked, \(broken.count) broken.\n"
        if !brokenRows.isEmpty {
            md += "\n| File | Line | Target | Problem |\n|---|---|---|---|\n"
            for (f, l, t, r) in brokenRows { md += "| \(ActionSupport.cell(f)) | \(l) | `\(ActionSupport.cell(t))` | \(ActionSupport.cell(r)) |\n" }
        }
        switch ActionSupport.writeReports([(base + ".json", "links-json", ActionSupport.pretty(report)), (base + ".md", "links-md", Array(md.utf8))],
                                          action: name, params: params, in: context) {
        case .failure(let r): return r.result
        case .success(let w):
            let result: JSONValue = ["files": .int(markdown.count), "links": .int(checked), "broken": .int(broken.count),
                                     "reports": .array(w.paths.map { .string($0) })]
            let outputs: [String: JSONValue] = ["broken": .int(broken.count), "links": .int(checked), "files": .int(markdown.count),
                                                "path": .string(w.paths.first ?? ""), "markdown": .string(w.paths.last ?? "")]
            let text = "\(broken.count) broken of \(checked) relative link(s) in \(markdown.count) file(s)"
            let ok = !(failOnBroken && !broken.isEmpty)
            return ActionResult(outcome: ActionOutcome(action: name, params: params, ok: ok, denied: false,
                                                       reason: ok ? text : text + " (fail_on_broken)", approval: w.approval, result: result),
                                outputs: outputs, artifacts: w.artifacts)
        }
    }

    /// Why a link path from `file` is broken, or nil when it resolves to an existing file or directory.
    static func problem(_ path: String, from file: String, in context: ActionContext) -> String? {
        var parts = path.hasPrefix("/") ? [] : Path.components(Path.dirname(file) == "." ? "" : Path.dirname(file))
        for c in Path.components(path) {
            if c == ".." {
                if parts.isEmpty { return "points outside the repository" }
                parts.removeLast()
            } else {
                parts.append(c)
            }
        }
        let rel = parts.joined(separator: "/")
        if PathRulesLite.touchesGit(rel) { return "points into .git" }
        return FileSystem.exists(context.layout.absolute(rel)) ? nil : "no such file: \(rel.isEmpty ? "." : rel)"
    }
}
