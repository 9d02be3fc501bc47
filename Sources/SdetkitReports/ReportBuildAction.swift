import SdetkitCore
import SdetkitEngine
import SdetkitStore

/// The actions this module adds to the registry.
public enum Reports {
    public static var actions: [any AgentAction] { [ReportBuildAction(), ReviewAdaptiveAction()] }
}

/// `report.build {"format": "json|md|html|csv", "output": "FILE NAME", "since"?, "until"?, "template"?, "status"?,
/// "csv_table"?: "runs|summary", "bom"?: bool}`: builds the history dashboard (the same code as `sdetkit agent dashboard build`)
/// into the run's output directory (a template run's `outputDir`, else `.sdetkit/agent/workdir`), through the
/// write policy. `output` is a name inside that directory, or a path that starts with it (the Python
/// sdetkit's `${{run.output_dir}}/dashboard.html`, see ``OutputTarget``). Outputs: `path`, `sha256`, `runs` (runs covered), `success_rate` (null without runs).
public struct ReportBuildAction: AgentAction {
    public let name = "report.build"
    public let summary = "Build the history dashboard (json, md, html or csv) into the run's output directory."

    public init() {}

    public func run(_ params: JSONValue, in context: ActionContext) async -> ActionResult {
        let format: DashboardFormat
        let fileName: String
        let filter: DashboardFilter
        let table: CSVTable
        switch parse(params) {
        case .success(let p): (format, fileName, filter, table) = p
        case .failure(let e): return .failed(name, params, e.message)
        }
        // `bom: true` starts a csv with the UTF-8 byte-order mark (as `dashboard build --bom`).
        let bom: Bool
        switch params["bom"] {
        case nil, .null?: bom = false
        case .bool(let b)?:
            guard !b || format == .csv else { return .failed(name, params, "report.build: param 'bom' is for format csv only") }
            bom = b
        case let v?: return .failed(name, params, "report.build: param 'bom' must be true or false, got \(v.typeName)")
        }
        let path: String
        switch OutputTarget.path(fileName, param: "output", outputDir: context.outputDir, action: name) {
        case .success(let p): path = p
        case .failure(let e): return .failed(name, params, e.reason)
        }
        if context.dryRun {
            let outcome = PolicedFiles.write([], to: path, name: Path.basename(path), action: name, in: context)
            return PolicedFiles.result(outcome, action: name, params: params)
        }
        let store = context.history
        let options = DashboardOptions(filter: filter,
                                       slo: SLOTargets(successRate: context.config.slo.successRate,
                                                       p95DurationMs: context.config.slo.p95DurationMs),
                                       actionBudget: context.config.budgets.maxActions)
        let dashboard = Dashboard(store: store, options: options, clock: context.clock)
        let summary: DashboardSummary
        let bytes: [UInt8]
        do {
            summary = try dashboard.summary()
            bytes = (bom ? CSV.byteOrderMark : []) + (try dashboard.renderBytes(format, summary: summary, csvTable: table))
        } catch let e as UserFacingError {
            return .failed(name, params, e.message)
        } catch {
            return .failed(name, params, "cannot build the dashboard: \(error)")
        }
        let outcome = PolicedFiles.write(bytes, to: path, name: Path.basename(path), action: name, in: context)
        return PolicedFiles.result(outcome, action: name, params: params, outputs: [
            "runs": .int(summary.runs.total),
            "success_rate": summary.runs.successRate.map { .number($0) } ?? .null,
        ])
    }

    func parse(_ params: JSONValue) -> Result<(DashboardFormat, String, DashboardFilter, CSVTable), ReportError> {
        guard params.objectValue != nil || params.isNull else {
            return .failure(.badParam("report.build: params must be an object, got \(params.typeName)"))
        }
        func text(_ key: String) -> Result<String?, ReportError> {
            guard let v = params[key], !v.isNull else { return .success(nil) }
            guard let s = v.stringValue else { return .failure(.badParam("report.build: param '\(key)' must be a string, got \(v.typeName)")) }
            return .success(s)
        }
        do throws(ReportError) {
            let formatText = try text("format").get() ?? "html"
            guard let format = DashboardFormat(rawValue: formatText) else {
                return .failure(.badParam("report.build: param 'format' must be json, md, html or csv, got '\(formatText)'"))
            }
            let tableText = try text("csv_table").get() ?? "runs"
            guard let table = CSVTable(rawValue: tableText) else {
                return .failure(.badParam("report.build: param 'csv_table' must be runs or summary, got '\(tableText)'"))
            }
            let output = try text("output").get() ?? "dashboard.\(format.fileExtension)"
            let filter = try DashboardFilter.parse(since: try text("since").get(), until: try text("until").get(),
                                                   template: try text("template").get(), status: try text("status").get(),
                                                   source: "report.build param ")
            return .success((format, output, filter, table))
        } catch {
            return .failure(error)
        }
    }
}
