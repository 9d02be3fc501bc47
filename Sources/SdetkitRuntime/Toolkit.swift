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
            return try await ws.run(task: record.task, dryRun: false, approval: approval, origin: origin)
        }
    }
}
