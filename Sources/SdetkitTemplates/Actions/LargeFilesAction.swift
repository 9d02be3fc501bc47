import SdetkitCore
import SdetkitEngine

/// `files.large {threshold_bytes: 1048576, top: 20, fail_on_large: false}`: tracked files by size; those at or
/// above the threshold are listed. Writes `large-files.json` and `large-files.md`.
public struct LargeFilesAction: AgentAction {
    public let name = "files.large"
    public let summary = "Report tracked files at or above a size threshold and the largest files (fail_on_large gates)."
    /// Reads tracked content only and writes only into its run's output directory.
    public func isolation(_ params: JSONValue) -> ActionIsolation { .confined }
    public init() {}

    public func run(_ params: JSONValue, in context: ActionContext) async -> ActionResult {
        let threshold: Int
        switch ActionSupport.integer(params, "threshold_bytes", default: 1 << 20, min: 1, action: name) {
        case .success(let n): threshold = n
        case .failure(let e): return .failed(name, params, e.reason)
        }
        let top: Int
        switch ActionSupport.integer(params, "top", default: 20, min: 0, action: name) {
        case .success(let n): top = n
        case .failure(let e): return .failed(name, params, e.reason)
        }
        let failOnLarge: Bool
        switch ActionSupport.flag(params, "fail_on_large", default: false, action: name) {
        case .success(let b): failOnLarge = b
        case .failure(let e): return .failed(name, params, e.reason)
        }
        let base = params["output"]?.stringValue ?? "large-files"
        let decision = context.policy.checkRead(path: ".", action: name)
        guard decision.allowed else { return .denied(name, params, decision.reason, approval: decision.approval) }
        let tracked: [(path: String, size: Int64)]
        switch ActionSupport.trackedFiles(context) {
        case .success(let files):
            // The work-tree size when the file is there (the index may be stale), else the indexed size.
            tracked = files.map { ($0.path, FileSystem.fileSize(context.layout.absolute($0.path)) ?? $0.size) }
        case .failure(let e): return .failed(name, params, "\(name): \(e.reason)")
        }
        let bySize = tracked.sorted { $0.size != $1.size ? $0.size > $1.size : $0.path < $1.path }
        let over = bySize.filter { $0.size >= Int64(threshold) }
        let total = tracked.reduce(Int64(0)) { $0 + $1.size }
        func item(_ f: (path: String, size: Int64)) -> JSONValue { ["path": .string(f.path), "bytes": .number(Double(f.size))] }
        let report: JSONValue = ["schema": "sdetkit.large-files/v1", "threshold_bytes": .int(threshold), "files_checked": .int(tracked.count),
                                 "total_bytes": .number(Double(total)), "over_threshold": .array(over.map(item)),
                                 "largest": .array(bySize.prefix(top).map(item))]
        var md = "# Large files\n\n\(tracked.count) tracked file(s), \(Self.human(total)) in total; \(over.count) at or above \(Self.human(Int64(threshold))).\n"
        if !over.isEmpty {
            md += "\n## At or above the threshold\n\n| File | Size |\n|---|---|\n"
            for f in over { md += "| \(ActionSupport.cell(f.path)) | \(Self.human(f.size)) |\n" }
        }
        if top > 0 && !bySize.isEmpty {
            md += "\n## Largest \(min(top, bySize.count))\n\n| File | Bytes |\n|---|---|\n"
            for f in bySize.prefix(top) { md += "| \(ActionSupport.cell(f.path)) | \(f.size) |\n" }
        }
        switch ActionSupport.writeReports([(base + ".json", "large-files-json", ActionSupport.pretty(report)),
                                           (base + ".md", "large-files-md", Array(md.utf8))], action: name, params: params, in: context) {
        case .failure(let r): return r.result
        case .success(let w):
            let text = "\(over.count) of \(tracked.count) tracked file(s) at or above \(Self.human(Int64(threshold)))"
            let ok = !(failOnLarge && !over.isEmpty)
            return ActionResult(outcome: ActionOutcome(action: name, params: params, ok: ok, denied: false,
                                                       reason: ok ? text : text + " (fail_on_large)", approval: w.approval,
                                                       result: ["files": .int(tracked.count), "over_threshold": .int(over.count),
                                                                "reports": .array(w.paths.map { .string($0) })]),
                                outputs: ["over_threshold": .int(over.count), "files": .int(tracked.count),
                                          "largest": .string(bySize.first?.path ?? ""),
                                          "path": .string(w.paths.first ?? ""), "markdown": .string(w.paths.last ?? "")],
                                artifacts: w.artifacts)
        }
    }

    /// `512 B`, `3.4 KiB`, `1.0 MiB`, `2.1 GiB`.
    static func human(_ n: Int64) -> String {
        if n < 1024 { return "\(n) B" }
        var v = Double(n)
        for unit in ["KiB", "MiB", "GiB", "TiB"] {
            v /= 1024
            if v < 1024 || unit == "TiB" {
                let tenths = Int64((v * 10).rounded())
                return "\(tenths / 10).\(tenths % 10) \(unit)"
            }
        }
        return "\(n) B"
    }
}
