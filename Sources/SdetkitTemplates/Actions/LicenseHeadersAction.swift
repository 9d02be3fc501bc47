import SdetkitCore
import SdetkitEngine
import Synchronization

/// `license.headers {extensions: [...], pattern: "SPDX-License-Identifier", lines: 20, fail_on_missing: false}`:
/// tracked source files whose first `lines` lines do not contain `pattern`. Writes `license-headers.json`/`.md`.
public struct LicenseHeadersAction: AgentAction {
    public let name = "license.headers"
    public let summary = "Find tracked source files without a license header (pattern in the first lines); fail_on_missing gates."
    /// Reads tracked content only and writes only into its run's output directory.
    public func isolation(_ params: JSONValue) -> ActionIsolation { .confined }
    public init() {}

    public static let defaultExtensions = ["c", "cc", "cpp", "cs", "go", "h", "hpp", "java", "js", "jsx", "kt", "m", "mm", "php",
                                          "py", "rb", "rs", "scala", "sh", "swift", "ts", "tsx"]

    public func run(_ params: JSONValue, in context: ActionContext) async -> ActionResult {
        var extensions = Self.defaultExtensions
        switch ActionSupport.strings(params, "extensions", action: name) {
        case .success(let e?) where !e.isEmpty:
            extensions = e.map { ($0.hasPrefix(".") ? String($0.dropFirst()) : $0).lowercased() }
        case .success: break
        case .failure(let e): return .failed(name, params, e.reason)
        }
        let pattern = params["pattern"]?.stringValue ?? "SPDX-License-Identifier"
        guard !pattern.isEmpty else { return .failed(name, params, "\(name): param 'pattern' must not be empty") }
        let headerLines: Int
        switch ActionSupport.integer(params, "lines", default: 20, min: 1, action: name) {
        case .success(let n): headerLines = n
        case .failure(let e): return .failed(name, params, e.reason)
        }
        let failOnMissing: Bool
        switch ActionSupport.flag(params, "fail_on_missing", default: false, action: name) {
        case .success(let b): failOnMissing = b
        case .failure(let e): return .failed(name, params, e.reason)
        }
        let base = params["output"]?.stringValue ?? "license-headers"
        let tracked: [String]
        switch ActionSupport.trackedPaths(action: name, params: params, in: context) {
        case .success(let paths): tracked = paths
        case .failure(let f): return f.result
        }
        let wanted = Set(extensions)
        let sources = tracked.filter { path in
            let base = Path.basename(path)
            guard let dot = base.lastIndex(of: "."), dot != base.startIndex else { return false }
            return wanted.contains(base[base.index(after: dot)...].lowercased())
        }
        let needle = Array(pattern.utf8)
        // Only the head of each file is read (the first `lines` lines, at most 256 KiB), on every core.
        let lacking = Mutex<[Int]>([])
        Parallel.forEachRange(sources.count, serialBelow: 64) { _, range in
            var mine: [Int] = []
            for i in range {
                guard let bytes = ActionSupport.readPrefixInside(sources[i], in: context, maxBytes: Self.headLimit) else { continue }
                var end = 0
                var seen = 0
                while end < bytes.count && seen < headerLines {
                    if bytes[end] == 0x0A { seen += 1 }
                    end += 1
                }
                if !Self.contains(bytes[0..<end], needle) { mine.append(i) }
            }
            lacking.withLock { $0 += mine }
        }
        let missing = lacking.withLock { $0 }.sorted().map { sources[$0] }
        let report: JSONValue = ["schema": "sdetkit.license-headers/v1", "pattern": .string(pattern), "lines": .int(headerLines),
                                 "extensions": .array(extensions.sorted().map { .string($0) }), "files_checked": .int(sources.count),
                                 "missing": .array(missing.map { .string($0) })]
        var md = "# License header check\n\nPattern `\(ActionSupport.cell(pattern))` in the first \(headerLines) line(s): "
            + "\(sources.count) source file(s) checked, \(missing.count) without it.\n"
        if !missing.isEmpty { md += "\n" + missing.map { "- `\(ActionSupport.cell($0))`\n" }.joined() }
        switch ActionSupport.writeReports([(base + ".json", "license-headers-json", ActionSupport.pretty(report)),
                                           (base + ".md", "license-headers-md", Array(md.utf8))], action: name, params: params, in: context) {
        case .failure(let r): return r.result
        case .success(let w):
            let text = "\(missing.count) of \(sources.count) source file(s) lack '\(pattern)'"
            let ok = !(failOnMissing && !missing.isEmpty)
            return ActionResult(outcome: ActionOutcome(action: name, params: params, ok: ok, denied: false,
                                                       reason: ok ? text : text + " (fail_on_missing)", approval: w.approval,
                                                       result: ["checked": .int(sources.count), "missing": .int(missing.count),
                                                                "reports": .array(w.paths.map { .string($0) })]),
                                outputs: ["missing": .int(missing.count), "checked": .int(sources.count),
                                          "path": .string(w.paths.first ?? ""), "markdown": .string(w.paths.last ?? "")],
                                artifacts: w.artifacts)
        }
    }

    /// How much of a file the header check reads.
    static let headLimit = 256 << 10

    static func contains(_ hay: ArraySlice<UInt8>, _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, hay.count >= needle.count else { return needle.isEmpty }
        var i = hay.startIndex
        while i + needle.count <= hay.endIndex {
            if hay[i] == needle[0] && hay[i..<(i + needle.count)].elementsEqual(needle) { return true }
            i += 1
        }
        return false
    }
}
