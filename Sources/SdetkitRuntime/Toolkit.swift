import SdetkitAudit
import SdetkitCore
import SdetkitEngine
import SdetkitPolicy
import SdetkitReports
import SdetkitStore
import SdetkitTemplates

/// Wires every module's actions into one registry: the one used by the CLI, templates, the demo and replay.
public enum Toolkit {
    public static func registry() -> ActionRegistry {
        var r = ActionRegistry.builtin
        for a in RepoAuditAction.actions + Reports.actions + TemplateActions.actions + [HistoryExportAction()] { r.register(a) }
        return r
    }
}

/// Re-runs a recorded run the way it was produced: a task, a template with its inputs, or an audit.
public enum Replayer {
    /// What the demo's report run explains its plan with (its replay must say the same to match).
    public static let demoReportExplanation = "demo reports: dashboard (json, md, html, csv), history export, summary"

    /// The explanation of the demo's audit run (its reports in three formats), for the demo and its replay.
    public static func demoAuditExplanation(profile: String) -> String { "repository audit, \(profile) profile" }

    /// `approval` and `origin` belong to the replayed run only (nil approval: the workspace's).
    public static func replay(_ record: RunRecord, approval: ApprovalMode? = nil, origin: RunOrigin? = nil,
                              in ws: Workspace) async throws -> RunResult {
        switch record.kind {
        case LegacyHistory.kind:
            throw SdetkitError("this run was imported from Python sdetkit's \(record.imported?.file ?? "history"); it records what that tool did and cannot be replayed (run its task with 'sdetkit agent run')")
        case "template.run":
            guard let id = record.templateID else { throw SdetkitError("recorded template run has no template id") }
            let catalog = TemplateCatalog.discover(repoRoot: ws.layout.repoRoot, registry: ws.registry, only: [id])
            guard let found = catalog.templates.first(where: { $0.id == id }) else {
                throw SdetkitError("template '\(id)' of the recorded run is not available any more; see 'sdetkit agent templates list'")
            }
            let inputs = record.template?["inputs"]?.objectValue ?? [:]
            return try await TemplateRunner.run(found.template, inputs: inputs, outputDir: record.template?["output_dir"]?.stringValue,
                                                approval: approval, origin: origin, in: ws).run
        case "audit":
            let p = record.actions.first?.params ?? [:]
            if p["baseline_sha256"] != nil {
                throw SdetkitError("this audit used a baseline file; re-run it with 'sdetkit agent audit --baseline FILE'")
            }
            if p["outputs"] != nil {
                // The demo's audit: one repo.audit action writing its reports into the demo's directory.
                let actions = record.actions.map { PlannedAction(action: $0.action, params: $0.params) }
                return try await ws.execute(kind: record.kind, task: record.task, planner: record.planner,
                                            explanation: demoAuditExplanation(profile: p["profile"]?.stringValue ?? "default"),
                                            actions: actions, outputDir: record.artifacts.first.map { Path.dirname($0.path) },
                                            approval: approval, origin: origin)
            }
            let options = AuditRun.Options(profile: p["profile"]?.stringValue ?? "default", changedSince: p["changed_since"]?.stringValue,
                                           baseline: nil, failOn: p["fail_on"]?.stringValue)
            return try await AuditRun.perform(options, approval: approval, origin: origin, in: ws).1
        case "demo":
            // A demo report run is a recorded list of actions: re-execute the same actions the same way.
            let actions = record.actions.map { PlannedAction(action: $0.action, params: $0.params) }
            return try await ws.execute(kind: record.kind, task: record.task, planner: record.planner,
                                        explanation: demoReportExplanation, actions: actions,
                                        outputDir: record.artifacts.first.map { Path.dirname($0.path) },
                                        approval: approval, origin: origin)
        default:
            return try await ws.run(task: try restoredTask(record, in: ws), dryRun: false, approval: approval, origin: origin)
        }
    }

    /// The task to re-run. An `action NAME {json}` task whose `content` the record keeps only as a digest gets
    /// it back from the file the run wrote, when that file still holds exactly that content; else replay says so.
    static func restoredTask(_ record: RunRecord, in ws: Workspace) throws -> String {
        let task = record.task
        guard task.hasPrefix("action ") else { return task }
        let rest = task.dropFirst("action ".count)
        guard let space = rest.firstIndex(of: " ") else { return task }
        let name = String(rest[..<space])
        guard case .object(var o)? = try? JSONParser.parse(String(rest[space...])),
              let digest = o["content_sha256"]?.stringValue else { return task }
        let path = o["path"]?.stringValue ?? ""
        let parts = Path.components(path)
        let abs = ws.layout.absolute(path)
        guard !path.isEmpty, !path.hasPrefix("/"), !parts.contains(".."), FileSystem.isRegularFile(abs), !FileSystem.isSymlink(abs),
              let text = try? FileSystem.readString(abs), Digest.sha256Hex(text) == digest else {
            throw SdetkitError("the content this run wrote is not kept in the history (only its SHA-256); replay needs '\(path)' to still hold it")
        }
        o["content_sha256"] = nil
        o["content_bytes"] = nil
        o["content"] = .string(text)
        return "action \(name) \(CanonicalJSON.string(.object(o)))"
    }
}
