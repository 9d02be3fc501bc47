#if canImport(Glibc)
import Glibc
#endif
import Logging
import SdetkitConfig
import SdetkitCore
import SdetkitGit
import SdetkitPolicy
import SdetkitStore

/// A repository with sdetkit's state: config, policy engine, action registry and history store.
/// Every run — `agent run`, templates, the demo, a server — executes and records through one of these.
public final class Workspace: Sendable {
    public let layout: StateLayout
    public let loaded: LoadedConfig
    public let registry: ActionRegistry
    public let store: HistoryStore
    public let clock: RunClock
    public let policy: PolicyEngine
    public let host: String?
    /// The repository state runs record, kept while nothing has changed it (see ``WorkTreeObserver``).
    public let workTree: WorkTreeObserver
    /// Directory syncs deferred by writes into sdetkit's output areas, done before each commit.
    public let directorySyncs = DirectorySyncs()
    let logger: Logger

    public var config: AgentConfig { loaded.config }

    public init(layout: StateLayout, loaded: LoadedConfig, registry: ActionRegistry, approval: ApprovalMode, clock: RunClock) {
        self.layout = layout
        self.loaded = loaded
        self.registry = registry
        self.store = HistoryStore(layout: layout)
        self.clock = clock
        self.policy = PolicyEngine(repoRoot: layout.repoRoot,
                                   settings: PolicySettings(writeAllowlist: Workspace.effectiveWriteAllowlist(loaded.config),
                                                            shellAllowlist: loaded.config.safety.shellAllowlist),
                                   approval: approval, auditLogPath: layout.auditLogPath, clock: clock)
        self.host = clock.isReproducible ? nil : Workspace.hostName()
        self.workTree = WorkTreeObserver(repoRoot: layout.repoRoot)
        self.logger = Logger(label: "sdetkit.engine")
    }

    /// The configured write allowlist plus sdetkit's template output area, which templates always need.
    public static func effectiveWriteAllowlist(_ config: AgentConfig) -> [String] {
        var list = config.safety.writeAllowlist
        if !list.contains(StateLayout.relTemplateRuns) { list.append(StateLayout.relTemplateRuns) }
        return list
    }

    /// Finds the repository containing `directory` (as git does) and loads its config.
    public static func open(from directory: String, registry: ActionRegistry, approval: ApprovalMode,
                            environment: [String: String]) throws -> Workspace {
        let root = try repositoryRoot(from: directory)
        let layout = StateLayout(repoRoot: root)
        try layout.ensureStateDirectory()
        let loaded = try ConfigLoader.load(layout: layout)
        return Workspace(layout: layout, loaded: loaded, registry: registry, approval: approval,
                         clock: RunClock(environment: environment))
    }

    public static func repositoryRoot(from directory: String) throws -> String {
        let repo = try GitRepository.discover(from: directory)
        return repo.workdir
    }

    static func hostName() -> String? {
        var buf = [CChar](repeating: 0, count: 256)
        guard gethostname(&buf, buf.count - 1) == 0 else { return nil }
        let bytes = buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The repository state a run records (HEAD, branch, dirty): an unreadable HEAD gives `head: nil`, a
    /// failing status `dirty: false`; untracked files do not make the tree dirty.
    public func repoState() -> RepoState { workTree.snapshot().repoState }

    /// What a run's actions see. A `confined` run is one prepared alongside others (``OrderedRuns``): its
    /// policy decisions are logged when it is committed, and nothing it does may need approval.
    /// `approval`: the run's own approval (``PolicyEngine/forRun(approval:)``); nil uses the workspace's.
    public func context(dryRun: Bool, outputDir: String?, confined: Bool = false, approval: ApprovalMode? = nil) -> ActionContext {
        let runPolicy = confined ? policy.deferringDecisions() : (approval.map { policy.forRun(approval: $0) } ?? policy)
        return ActionContext(layout: layout, policy: runPolicy, config: config, dryRun: dryRun,
                      clock: clock, outputDir: outputDir, registry: registry, workTree: workTree, directorySyncs: directorySyncs,
                      store: store)
    }

    /// Runs one action by name; an unknown action is a failed outcome, never a crash.
    public func perform(_ planned: PlannedAction, step: String? = nil, context: ActionContext) async -> ActionResult {
        guard let action = registry.action(named: planned.action) else {
            let known = registry.names.joined(separator: ", ")
            var r = ActionResult.failed(planned.action, registry.recordedParams(planned), "unknown action '\(planned.action)'; known actions: \(known)")
            r.outcome.step = step
            return r
        }
        var result = await action.run(planned.params, in: context)
        // Hashed content never holds this machine's checkout path (the same failure hashes alike anywhere).
        result.outcome.reason = MachinePaths.relativise(result.outcome.reason, root: layout.repoRoot)
        result.outcome.result = MachinePaths.relativise(result.outcome.result, root: layout.repoRoot)
        result.outcome.params = action.recordedParams(planned.params)
        result.outcome.step = step
        logger.debug("action \(planned.action): ok=\(result.outcome.ok) denied=\(result.outcome.denied) \(result.outcome.reason)")
        return result
    }

    // MARK: - agent run

    /// Plans `task`, enforces budgets, executes under policy, and records the run (unless `dryRun`).
    /// `approval` and `origin` belong to this run only (nil approval: the workspace's).
    public func run(task: String, dryRun: Bool, approval: ApprovalMode? = nil, origin: RunOrigin? = nil) async throws -> RunResult {
        try await run(Planner.plan(task, registry: registry), task: task, dryRun: dryRun, approval: approval, origin: origin)
    }

    /// Runs `plan`, made from `task`, recording the task as ``Plan/recordedTask(_:registry:)`` gives it (no file
    /// content or secret). A template plan is refused: the run coordinator runs those.
    public func run(_ plan: Plan, task: String, dryRun: Bool, approval: ApprovalMode? = nil,
                    origin: RunOrigin? = nil) async throws -> RunResult {
        if let id = plan.template {
            throw TaskSyntaxError(message: "task 'template:\(id)' runs a template, which has no dry run: 'sdetkit agent templates show \(id)' lists its steps, 'sdetkit agent run template:\(id)' runs it")
        }
        return try await execute(kind: "agent.run", task: plan.recordedTask(task, registry: registry), planner: plan.rule,
                                 explanation: plan.explanation, actions: plan.actions, outputDir: nil, dryRun: dryRun,
                                 approval: approval, origin: origin)
    }

    /// Executes `actions` in order as ONE recorded run: budgets, policy, manager/worker/reviewer steps,
    /// artifacts, provider notes. Used by `agent run`, the audit command and the demo.
    public func execute(kind: String, task: String, planner: String, explanation: String, actions: [PlannedAction],
                        outputDir: String?, dryRun: Bool = false, approval: ApprovalMode? = nil,
                        origin: RunOrigin? = nil) async throws -> RunResult {
        let prepared = await prepare(kind: kind, task: task, planner: planner, explanation: explanation, actions: actions,
                                     outputDir: outputDir, dryRun: dryRun, approval: approval, origin: origin)
        if dryRun {
            try syncPendingWrites()  // a dry run records nothing, but its decisions are logged
            return RunResult(record: prepared.record, entry: nil, observation: nil)
        }
        return try commit(prepared)
    }

    /// A run whose actions are done and whose record is built, not yet committed.
    public struct PreparedRun: Sendable {
        public let record: RunRecord
        let started: Double
        let notes: [String]
        let policy: PolicyEngine
        /// Who asked for the run; goes into its observed metadata when it is committed.
        public let origin: RunOrigin?

        /// A run prepared by other code (a template run, an audit): `context` is the one its actions ran with.
        public init(record: RunRecord, startedMillis: Double, notes: [String], context: ActionContext, origin: RunOrigin? = nil) {
            self.record = record
            self.started = startedMillis
            self.notes = notes
            self.policy = context.policy
            self.origin = origin
        }
    }

    /// For a prepared run that will not be recorded: its held policy decisions still go to the audit log.
    public func abandon(_ p: PreparedRun) {
        try? p.policy.releaseHeldDecisions()
    }

    /// Records a prepared run: its held policy decisions (a confined run's) go to the audit log first.
    public func commit(_ p: PreparedRun) throws -> RunResult {
        try p.policy.releaseHeldDecisions()
        return try commit(p.record, startedMillis: p.started, notes: p.notes, origin: p.origin)
    }

    /// Executes `actions` and builds the record; ``commit(_:)`` records it. `confined`: see
    /// ``context(dryRun:outputDir:confined:)``.
    public func prepare(kind: String, task: String, planner: String, explanation: String, actions: [PlannedAction],
                        outputDir: String?, dryRun: Bool = false, confined: Bool = false, approval: ApprovalMode? = nil,
                        origin: RunOrigin? = nil) async -> PreparedRun {
        let started = RunClock.monotonicMillis()
        workTree.prefetch()  // the status the record needs is taken while the actions run
        var steps = [PlanStep(role: "manager", detail: "rule '\(planner)': \(explanation); \(actions.count) action(s)")]
        var outcomes: [ActionOutcome] = []
        var artifacts: [Artifact] = []
        let ctx = context(dryRun: dryRun, outputDir: outputDir, confined: confined, approval: approval)
        if let why = budgetExceeded(actions: actions.count) {
            for p in actions {
                outcomes.append(ActionOutcome(action: p.action, params: registry.recordedParams(p),
                                              ok: false, denied: false, reason: "not run: \(why)"))
            }
            steps.append(PlanStep(role: "worker", detail: "nothing executed: \(why)"))
        } else {
            for p in actions {
                let r = await perform(p, context: ctx)
                outcomes.append(r.outcome)
                artifacts += r.artifacts
                steps.append(PlanStep(role: "worker", detail: "\(p.action): \(r.outcome.denied ? "denied" : (r.outcome.ok ? "ok" : "failed")) — \(r.outcome.reason)"))
            }
        }
        let status = RunStatus.from(outcomes)
        steps.append(PlanStep(role: "reviewer", detail: Workspace.review(outcomes, status: status)))
        let record = RunRecord(kind: kind, task: task, planner: planner, steps: steps, actions: outcomes, status: status,
                               configDigest: config.digest, repo: await workTree.currentSnapshot().repoState, provider: config.provider.type.rawValue,
                               artifacts: artifacts)
        let notes = dryRun ? [] : await ProviderNotes.collect(for: record, config: config)
        return PreparedRun(record: record, startedMillis: started, notes: notes, context: ctx, origin: origin)
    }

    /// Why a plan of `count` actions may not run under the configured budgets (`max_actions`, and `max_steps`
    /// counting the manager and reviewer steps), or nil when it may. Every kind of run checks it.
    public func budgetExceeded(actions count: Int) -> String? {
        let budgets = config.budgets
        if count > budgets.maxActions { return "plan has \(count) actions but budgets.max_actions is \(budgets.maxActions)" }
        if count + 2 > budgets.maxSteps { return "plan needs \(count + 2) steps but budgets.max_steps is \(budgets.maxSteps)" }
        return nil
    }

    /// Whether every action is known and ``ActionIsolation/confined`` with these params.
    public func isConfined(_ actions: [PlannedAction]) -> Bool {
        actions.allSatisfy { registry.action(named: $0.action)?.isolation($0.params) == .confined }
    }

    /// Whether git tracks a file inside sdetkit's output areas (the workdir, the template output area). Runs
    /// are then never prepared side by side, as an audit of one would read what another writes. True when
    /// the index cannot be read.
    /// `repository`: an open handle on this workspace's repository to read through, if the caller has one.
    public func outputAreasHoldTrackedFiles(repository: GitRepository? = nil) -> Bool {
        guard let repo = repository ?? (try? GitRepository.open(workdir: layout.repoRoot)),
              let files = try? repo.trackedFiles() else { return true }
        return files.contains { Path.isInside($0.path, StateLayout.relWorkdir) || Path.isInside($0.path, StateLayout.relTemplateRuns) }
    }

    static func review(_ outcomes: [ActionOutcome], status: RunStatus) -> String {
        let failed = outcomes.filter { !$0.ok && !$0.denied }.count
        let denied = outcomes.filter(\.denied).count
        switch status {
        case .ok: return "status ok: \(outcomes.count) of \(outcomes.count) action(s) succeeded"
        case .denied: return "status denied: \(denied) action(s) refused by policy, \(failed) failed"
        case .failed: return "status failed: \(failed) of \(outcomes.count) action(s) failed"
        }
    }

    /// Makes durable what the run's recorded state depends on: the directory entries of files written into
    /// sdetkit's output areas, and every policy decision (docs/security-model.md). ``commit(_:startedMillis:notes:)``
    /// calls it before the run enters the history; a caller that writes after its last commit (a template's
    /// run-record.json) calls it before it finishes.
    public func syncPendingWrites() throws {
        try directorySyncs.flush()
        try policy.syncAuditLog()
    }

    /// Appends a finished run to the history: object, ledger entry, index.
    public func commit(_ record: RunRecord, startedMillis: Double, notes: [String] = [], origin: RunOrigin? = nil) throws -> RunResult {
        let duration = clock.isReproducible ? 0 : Int((RunClock.monotonicMillis() - startedMillis).rounded())
        let observation = RunObservation(capturedAt: clock.nowRFC3339(), durationMs: max(0, duration), tool: ToolInfo.versionString,
                                         host: host, notes: notes, origin: origin)
        try syncPendingWrites()
        let entry = try store.append(record: record, observation: observation)
        return RunResult(record: record, entry: entry, observation: observation)
    }
}

/// A run as presented by `run --json` and `history show --json`: the record's defining part plus
/// `hash`, `seq`, and the observed metadata under `observed`.
public struct RunResult: Sendable {
    public var record: RunRecord
    public var entry: LedgerEntry?
    public var observation: RunObservation?

    public init(record: RunRecord, entry: LedgerEntry?, observation: RunObservation?) {
        self.record = record
        self.entry = entry
        self.observation = observation
    }

    public var hash: String { entry?.hash ?? record.contentHash }

    public var json: JSONValue {
        guard case .object(var o) = record.json else { return record.json }
        o["hash"] = .string(hash)
        o["seq"] = entry.map { .int($0.seq) } ?? .null
        o["recorded"] = .bool(entry != nil)
        if let obs = observation ?? entry?.observation {
            o["observed"] = [
                "captured_at": .string(obs.capturedAt), "duration_ms": .int(obs.durationMs), "tool": .string(obs.tool),
                "host": .optional(obs.host), "notes": .array(obs.notes.map { .string($0) }),
                "chain": entry.map { .string($0.chain) } ?? .null,
            ]
            if let origin = obs.origin, case .object(var observed) = o["observed"] {
                observed["origin"] = origin.json
                o["observed"] = .object(observed)
            }
        }
        return .object(o)
    }
}
