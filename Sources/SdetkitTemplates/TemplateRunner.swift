import SdetkitCore
import SdetkitEngine
import SdetkitPolicy

/// A finished template run: the recorded run, the template's outputs and where its files went.
public struct TemplateRunResult: Sendable {
    public var run: RunResult
    /// The template's `outputs:`, interpolated after the last step.
    public var outputs: [String: JSONValue]
    /// Repo-relative output directory.
    public var outputDir: String
    /// Repo-relative path of `run-record.json`, when it was written.
    public var recordFile: String?
    /// Why `run-record.json` could not be written, if it could not.
    public var recordFileProblem: String?

    public var status: RunStatus { run.record.status }

    /// `RunResult.json` plus `outputs`, `output_dir` and `record_file`.
    public var json: JSONValue {
        guard case .object(var o) = run.json else { return run.json }
        o["outputs"] = .object(outputs)
        o["output_dir"] = .string(outputDir)
        o["record_file"] = .optional(recordFile)
        return .object(o)
    }
}

/// Executes a template as ONE recorded run: every step through ``Workspace/perform(_:step:context:)`` (so
/// through the policy engine), then one record (kind `template.run`) in the history.
public enum TemplateRunner {
    public static func defaultOutputDir(for id: String) -> String { StateLayout.relTemplateRuns + "/" + id }

    public static func run(_ template: Template, sets: [String], outputDir: String? = nil,
                           in ws: Workspace) async throws -> TemplateRunResult {
        let inputs = try TemplateInputs.resolve(template, sets: sets)
        return try await run(template, inputs: inputs, outputDir: outputDir, in: ws)
    }

    /// `inputs` must be resolved (``TemplateInputs/resolve(_:sets:)``).
    public static func run(_ template: Template, inputs: [String: JSONValue], outputDir: String? = nil,
                           approval: ApprovalMode? = nil, origin: RunOrigin? = nil,
                           in ws: Workspace) async throws -> TemplateRunResult {
        let prepared = try await prepare(template, inputs: inputs, outputDir: outputDir, approval: approval, origin: origin, in: ws)
        return try finish(prepared, in: ws)
    }

    /// A template run whose steps are done and whose record is built, not yet committed.
    public struct Prepared: Sendable {
        let template: Template
        let run: Workspace.PreparedRun
        let scope: InterpolationScope
        let outDir: String
    }

    /// Runs the steps and builds the record; ``finish(_:in:)`` commits it.
    public static func prepare(_ template: Template, inputs: [String: JSONValue], outputDir: String? = nil,
                               confined: Bool = false, approval: ApprovalMode? = nil, origin: RunOrigin? = nil,
                               in ws: Workspace) async throws -> Prepared {
        let started = RunClock.monotonicMillis()
        ws.workTree.prefetch()  // the status the record needs is taken while the steps run
        let outDir = try normalizeOutputDir(outputDir ?? defaultOutputDir(for: template.id), repoRoot: ws.layout.repoRoot)
        let context = ws.context(dryRun: false, outputDir: outDir, confined: confined, approval: approval)
        var scope = InterpolationScope(inputs: inputs, outputDir: outDir)
        var outcomes: [ActionOutcome] = []
        var artifacts: [Artifact] = []
        var plan = [PlanStep(role: "manager", detail: "template \(template.id) v\(template.metadata.version): \(template.workflow.count) step(s), output dir \(outDir)")]
        let budgets = ws.config.budgets
        let count = template.workflow.count
        if count > budgets.maxActions || count + 2 > budgets.maxSteps {
            let why = count > budgets.maxActions
                ? "template has \(count) steps but budgets.max_actions is \(budgets.maxActions)"
                : "template needs \(count + 2) plan steps but budgets.max_steps is \(budgets.maxSteps)"
            for s in template.workflow {
                outcomes.append(ActionOutcome(action: s.action, params: recorded(s, s.rawParams, ws), ok: false, denied: false,
                                              reason: "not run: \(why)", step: s.id))
            }
            plan.append(PlanStep(role: "worker", detail: "nothing executed: \(why)"))
        } else {
            var stoppedBy: String?
            var notRun: [String] = []
            for step in template.workflow {
                if stoppedBy != nil { notRun.append(step.id); continue }
                let outcome = await runStep(step, scope: &scope, artifacts: &artifacts, in: ws, context: context)
                outcomes.append(outcome)
                plan.append(PlanStep(role: "worker", detail: "\(step.id) (\(step.action)): \(label(outcome)) — \(outcome.reason)"))
                if !outcome.ok { stoppedBy = step.id }
            }
            if let stoppedBy, !notRun.isEmpty {
                plan.append(PlanStep(role: "worker", detail: "not run after step '\(stoppedBy)' stopped the workflow: \(notRun.joined(separator: ", "))"))
            }
        }
        let status = RunStatus.from(outcomes)
        plan.append(PlanStep(role: "reviewer", detail: review(outcomes, status: status)))
        let templateJSON: [String: JSONValue] = ["id": .string(template.id), "version": .string(template.metadata.version),
                                                 "digest": .string(template.digest), "inputs": .object(inputs),
                                                 "output_dir": .string(outDir)]
        let record = RunRecord(kind: "template.run", task: "template \(template.id)", planner: "template", steps: plan,
                               actions: outcomes, status: status, configDigest: ws.config.digest, repo: await ws.workTree.currentSnapshot().repoState,
                               provider: ws.config.provider.type.rawValue, template: .object(templateJSON),
                               artifacts: dedupe(artifacts))
        let notes = await ProviderNotes.collect(for: record, config: ws.config)
        return Prepared(template: template,
                        run: Workspace.PreparedRun(record: record, startedMillis: started, notes: notes, context: context,
                                                       origin: origin),
                        scope: scope, outDir: outDir)
    }

    /// For a prepared run that will not be recorded: its held policy decisions still go to the audit log.
    public static func abandon(_ p: Prepared, in ws: Workspace) {
        ws.abandon(p.run)
    }

    /// Commits a prepared run (its held policy decisions first), then writes its `run-record.json`.
    public static func finish(_ p: Prepared, in ws: Workspace) throws -> TemplateRunResult {
        let (template, scope, outDir) = (p.template, p.scope, p.outDir)
        let committed = try ws.commit(p.run)
        let context = ws.context(dryRun: false, outputDir: outDir)

        var lenient = scope
        lenient.lenient = true
        var outputs: [String: JSONValue] = [:]
        for o in template.outputs {
            if case .success(let text) = Interpolation.render(o.value, in: lenient) { outputs[o.name] = .string(text) }
        }
        var result = TemplateRunResult(run: committed, outputs: outputs, outputDir: outDir, recordFile: nil, recordFileProblem: nil)
        let bytes = Array(committed.json.prettyPrinted().utf8)
        switch PolicedFiles.write(bytes, to: Path.join(outDir, "run-record.json"), name: "run-record", action: "template.run", in: context) {
        case .written(let art, _): result.recordFile = art.path
        case .wouldWrite(let rel, _): result.recordFile = rel
        case .denied(let why, _), .failed(let why, _): result.recordFileProblem = "run-record.json not written: \(why)"
        }
        // run-record.json follows the commit: the caller's next commit, or its final
        // `ws.syncPendingWrites()`, makes it durable with everything else written since.
        return result
    }

    /// One step: `when`, interpolation, execution with retries/timeout, `continue_on_error`.
    static func runStep(_ step: TemplateStep, scope: inout InterpolationScope, artifacts: inout [Artifact],
                        in ws: Workspace, context: ActionContext) async -> ActionOutcome {
        if let when = step.when, let text = when.scalarText {
            switch Interpolation.render(text, in: scope) {
            case .failure(let p):
                return ActionOutcome(action: step.action, params: recorded(step, step.rawParams, ws), ok: false, denied: false,
                                     reason: "when: \(p.reason)", step: step.id)
            case .success(let value) where Interpolation.isFalsy(value):
                return ActionOutcome(action: step.action, params: recorded(step, step.rawParams, ws), ok: true, denied: false,
                                     reason: "skipped: when is false ('\(text)')", result: ["skipped": true], step: step.id)
            case .success: break
            }
        }
        let params: JSONValue
        switch render(step.with, in: scope) {
        case .failure(let p):
            return ActionOutcome(action: step.action, params: recorded(step, step.rawParams, ws), ok: false, denied: false,
                                 reason: "with: \(p.reason)", step: step.id)
        case .success(let v): params = v
        }
        let r = await StepExecution.execute(step, params: params, in: ws, context: context)
        scope.stepOutputs[step.id] = r.outputs
        artifacts.append(contentsOf: r.artifacts)
        var outcome = r.outcome
        outcome.step = step.id
        if !outcome.ok && !outcome.denied && step.continueOnError {
            outcome.ok = true
            scope.failedSteps.insert(step.id)
            outcome.reason = "failed (continue_on_error): " + outcome.reason
            var o = outcome.result.objectValue ?? ["value": outcome.result]
            o["failed"] = true
            outcome.result = .object(o)
        }
        return outcome
    }

    /// `with:` after interpolation: scalars holding `${{ … }}` become strings; others keep their YAML type.
    static func render(_ node: YNode?, in scope: InterpolationScope) -> Result<JSONValue, InterpolationProblem> {
        guard let node else { return .success(.object([:])) }
        switch node.kind {
        case .scalar(let s, _):
            guard Interpolation.mentions(s) else { return .success(node.json) }
            return Interpolation.render(s, in: scope).map { .string($0) }
        case .list(let items):
            var out: [JSONValue] = []
            for i in items {
                switch render(i, in: scope) {
                case .success(let v): out.append(v)
                case .failure(let e): return .failure(e)
                }
            }
            return .success(.array(out))
        case .map(let entries):
            var out: [String: JSONValue] = [:]
            for e in entries {
                switch render(e.value, in: scope) {
                case .success(let v): out[e.key] = v
                case .failure(let err): return .failure(err)
                }
            }
            return .success(.object(out))
        }
    }

    static func recorded(_ step: TemplateStep, _ params: JSONValue, _ ws: Workspace) -> JSONValue {
        ws.registry.action(named: step.action)?.recordedParams(params) ?? params
    }

    static func label(_ o: ActionOutcome) -> String {
        if o.denied { return "denied" }
        if !o.ok { return "failed" }
        if o.result["skipped"] == .bool(true) { return "skipped" }
        if o.result["failed"] == .bool(true) { return "failed, continued" }
        return "ok"
    }

    static func review(_ outcomes: [ActionOutcome], status: RunStatus) -> String {
        let skipped = outcomes.filter { $0.result["skipped"] == .bool(true) }.count
        let tolerated = outcomes.filter { $0.result["failed"] == .bool(true) && $0.ok }.count
        let failed = outcomes.filter { !$0.ok && !$0.denied }.count
        let denied = outcomes.filter(\.denied).count
        var extra = ""
        if skipped > 0 { extra += ", \(skipped) skipped" }
        if tolerated > 0 { extra += ", \(tolerated) failed but continued (continue_on_error)" }
        switch status {
        case .ok: return "status ok: \(outcomes.count) step(s) done\(extra)"
        case .denied: return "status denied: \(denied) step(s) refused by policy, \(failed) failed\(extra)"
        case .failed: return "status failed: \(failed) of \(outcomes.count) step(s) failed\(extra)"
        }
    }

    /// Later artifacts of the same path replace earlier ones; order of first appearance is kept.
    static func dedupe(_ artifacts: [Artifact]) -> [Artifact] {
        var index: [String: Int] = [:]
        var out: [Artifact] = []
        for a in artifacts {
            if let i = index[a.path] { out[i] = a } else {
                index[a.path] = out.count
                out.append(a)
            }
        }
        return out
    }

    /// A repo-relative output directory without `.` or `..` components. An absolute path is accepted when it lies
    /// inside the repository.
    public static func normalizeOutputDir(_ dir: String, repoRoot: String) throws(TemplateError) -> String {
        var rel = dir
        if dir.hasPrefix("/") {
            let root = FileSystem.realPath(repoRoot) ?? repoRoot
            let real = FileSystem.realPath(dir) ?? dir
            guard let r = Path.relative(real, to: root) ?? Path.relative(dir, to: repoRoot) else {
                throw .usage("--output-dir '\(dir)' is outside the repository; give a repo-relative directory")
            }
            rel = r
        }
        let parts = Path.components(rel)
        if parts.contains("..") {
            throw .usage("--output-dir '\(dir)' must not contain '..'; give a directory inside the repository")
        }
        if parts.isEmpty {
            throw .usage("--output-dir '\(dir)' is the repository root; give a directory inside it, e.g. \(StateLayout.relTemplateRuns)/NAME")
        }
        return parts.joined(separator: "/")
    }
}

extension TemplateRunner {
    /// Runs each template with its defaults, one recorded run each, in order. Runs whose steps are all confined
    /// are prepared side by side (``OrderedRuns``) unless `overlapping` is false; the history and every file
    /// are the same either way. `each` gets every outcome in order, as it is recorded; an error it throws
    /// stops the rest.
    public static func runAll(_ templates: [Template], in ws: Workspace, overlapping: Bool = true,
                              each: (Int, Result<TemplateRunResult, any Error>) throws -> Void) async throws {
        let apart = !overlapping || ws.outputAreasHoldTrackedFiles()
        try await OrderedRuns.run(count: templates.count, overlaps: { !apart && ws.isConfined(templates[$0]) },
                                  prepare: { i, confined -> Result<Prepared, any Error> in
            do {
                let t = templates[i]
                return .success(try await prepare(t, inputs: try TemplateInputs.resolve(t, sets: []), confined: confined, in: ws))
            } catch {
                return .failure(error)
            }
        }, finish: { i, prepared in
            try each(i, prepared.flatMap { p in Result { try finish(p, in: ws) } })
        }, abandon: { _, prepared in
            if case .success(let p) = prepared { abandon(p, in: ws) }
        })
    }
}

extension Workspace {
    /// Whether every step's action is known and ``ActionIsolation/confined`` with its params as written, so a
    /// run of `template` may be prepared alongside others (``OrderedRuns``).
    public func isConfined(_ template: Template) -> Bool {
        template.workflow.allSatisfy { registry.action(named: $0.action)?.isolation($0.rawParams) == .confined }
    }
}
