import SdetkitCore
import SdetkitEngine
import SdetkitStore

/// `history.export {format: csv|json|jsonl, output, bom?: bool}`: writes the history export (as `history export`) into the
/// run's output directory, through policy.
public struct HistoryExportAction: AgentAction {
    public let name = "history.export"
    public let summary = "Write the history export (csv, json or jsonl) into the output directory."
    public init() {}

    public func run(_ params: JSONValue, in context: ActionContext) async -> ActionResult {
        guard let format = ExportFormat(rawValue: params["format"]?.stringValue ?? "csv") else {
            return .failed(name, params, "history.export: format must be csv, json or jsonl")
        }
        let file = params["output"]?.stringValue ?? "history.\(format.rawValue)"
        var bytes: [UInt8] = []
        switch params["bom"] {
        case nil, .null?, .bool(false)?: break
        case .bool(true)? where format == .csv: bytes = CSV.byteOrderMark
        case .bool(true)?: return .failed(name, params, "history.export: param 'bom' is for format csv only")
        case let v?: return .failed(name, params, "history.export: param 'bom' must be true or false, got \(v.typeName)")
        }
        do {
            try context.history.export(format: format) { bytes += $0 }
        } catch let e as UserFacingError {
            return .failed(name, params, e.message)
        } catch {
            return .failed(name, params, "\(error)")
        }
        let dir = context.outputDir ?? StateLayout.relWorkdir
        let outcome = PolicedFiles.write(bytes, to: Path.join(dir, file), name: "history-\(format.rawValue)", action: name, in: context)
        return PolicedFiles.result(outcome, action: name, params: params)
    }
}
