import SdetkitCore
import SdetkitEngine

/// `report.summary {title, lines: [...], output: "summary.md"}`: a small Markdown summary in the output
/// directory, typically built from earlier steps' outputs through interpolation.
public struct ReportSummaryAction: AgentAction {
    public let name = "report.summary"
    public let summary = "Write a Markdown summary (title + lines, e.g. from earlier template steps) into the run's output dir."
    /// Reads tracked content only and writes only into its run's output directory.
    public func isolation(_ params: JSONValue) -> ActionIsolation { .confined }
    public init() {}

    public func run(_ params: JSONValue, in context: ActionContext) async -> ActionResult {
        let title = params["title"]?.stringValue ?? "Summary"
        let lines: [String]
        switch params["lines"] {
        case nil, .null?: lines = []
        case .string(let s)?: lines = s.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        case .array(let a)? where a.allSatisfy({ $0.stringValue != nil || $0.doubleValue != nil || $0.boolValue != nil }):
            lines = a.map { Interpolation.text($0) }
        case let other?:
            return .failed(name, params, "\(name): param 'lines' must be a list of strings, got \(other.typeName)")
        }
        let output = params["output"]?.stringValue ?? "summary.md"
        var md = "# \(title.replacingOccurrences(of: "\n", with: " "))\n\n"
        md += lines.joined(separator: "\n")
        if !lines.isEmpty { md += "\n" }
        switch ActionSupport.writeReports([(output, "summary", Array(md.utf8))], action: name, params: params, in: context) {
        case .failure(let r): return r.result
        case .success(let w):
            let path = w.paths.first ?? ""
            return .succeeded(name, params, "wrote \(path)", approval: w.approval,
                              result: ["path": .string(path), "lines": .int(lines.count), "sha256": .string(Digest.sha256Hex(Array(md.utf8)))],
                              outputs: ["path": .string(path)], artifacts: w.artifacts)
        }
    }
}
