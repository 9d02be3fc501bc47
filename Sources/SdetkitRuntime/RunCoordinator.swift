@_exported import SdetkitCore
@_exported import SdetkitEngine
@_exported import SdetkitPolicy
import SdetkitAudit
import SdetkitTemplates
import Synchronization

/// One run a front end asks for (the CLI, a server).
public enum RunRequest: Sendable, Hashable {
    /// Like `agent run TASK`.
    case task(String)
    /// Like `agent templates run ID`; `inputs` are checked and typed against the template's inputs (strings are
    /// read as `--set` values are; numbers and booleans must match the input's type).
    case template(id: String, inputs: [String: JSONValue])
    /// Like `agent audit --profile PROFILE`.
    case audit(profile: String)
}

/// Runs the runs of one repository in this process one at a time, in the order they were asked for.
///
/// Every run that may touch the work tree goes through here (`agent run`, `templates run`, `audit`, replay,
/// a server request): its actions, the repository state its record takes and its commit never overlap another
/// such run of the same repository in this process, so the work-tree observer never mixes two runs' writes.
/// Across processes, appends are serialised by the store's ledger lock, as before. History queries do not
/// come here and stay concurrent. An actor alone would not serialise (it is re-entrant at every `await`), so
/// runs take turns through a FIFO of waiters.
public actor RunCoordinator {
    /// The workspace this coordinator was created with (see ``shared(for:)``).
    public nonisolated let workspace: Workspace
    private var busy = false
    private var waiters: [(id: Int, turn: CheckedContinuation<Void, any Error>)] = []
    private var nextWaiter = 0

    private struct WeakCoordinator { weak var value: RunCoordinator? }
    /// Coordinators alive in this process by repository root: bounded by the ones in use.
    private static let live = Mutex<[String: WeakCoordinator]>([:])

    init(workspace: Workspace) { self.workspace = workspace }

    /// The coordinator of `workspace`'s repository in this process: the same instance for every caller while any
    /// of them holds it. It keeps the workspace it was created with; ``perform(_:approval:origin:in:)`` runs with
    /// another workspace of the same repository.
    public static func shared(for workspace: Workspace) -> RunCoordinator {
        let root = workspace.layout.repoRoot
        return live.withLock { map in
            if let kept = map[root]?.value { return kept }
            map = map.filter { $0.value.value != nil }
            let made = RunCoordinator(workspace: workspace)
            map[root] = WeakCoordinator(value: made)
            return made
        }
    }

    /// Runs and records one run through the one pipeline, serialised with every other work-tree run of this
    /// repository in this process (and across processes via the store's ledger lock). Honors Task cancellation
    /// before the run starts (throws `CancellationError`); a run that has started is finished and recorded.
    public func perform(_ request: RunRequest, approval: ApprovalMode, origin: RunOrigin?) async throws -> RunResult {
        try await perform(request, approval: approval, origin: origin, in: workspace)
    }

    /// ``perform(_:approval:origin:)`` with `ws`, a workspace of this coordinator's repository.
    public func perform(_ request: RunRequest, approval: ApprovalMode, origin: RunOrigin?, in ws: Workspace) async throws -> RunResult {
        try checkRepository(ws)
        switch request {
        case .task(let task):
            return try await runTask(task, approval: approval, origin: origin, in: ws).run
        case .template(let id, let inputs):
            let found = try TemplateCatalog.discover(repoRoot: ws.layout.repoRoot, registry: ws.registry, only: [id]).find(id)
            let resolved = try RunInputs.resolve(found.template, inputs)
            return try await runTemplate(found.template, inputs: resolved, outputDir: nil, approval: approval, origin: origin, in: ws).run
        case .audit(let profile):
            guard AuditProfile(rawValue: profile) != nil else {
                throw SdetkitError("audit profile must be default or enterprise, got '\(profile)'", exit: .usage)
            }
            let options = AuditRun.Options(profile: profile, changedSince: nil, baseline: nil, failOn: nil)
            return try await runAudit(options, approval: approval, origin: origin, in: ws).1
        }
    }

    /// Plans `task` and runs it like ``perform(_:approval:origin:)``: a task naming `template:<id>` runs that
    /// template with its defaults through ``runTemplate(_:inputs:outputDir:approval:origin:in:)`` (recorded as
    /// a template run, as `agent templates run ID` records it); any other task is one `agent.run`.
    public func runTask(_ task: String, approval: ApprovalMode, origin: RunOrigin?, in ws: Workspace? = nil) async throws -> TaskRun {
        let ws = ws ?? workspace
        try checkRepository(ws)
        let plan = try Planner.plan(task, registry: ws.registry)
        guard let id = plan.template else {
            return .planned(try await exclusively { try await ws.run(plan, task: task, dryRun: false, approval: approval, origin: origin) })
        }
        // Every template is discovered, so an unknown id is told the known ones.
        let found = try TemplateCatalog.discover(repoRoot: ws.layout.repoRoot, registry: ws.registry).find(id)
        let inputs = try TemplateInputs.resolve(found.template, values: [:])
        return .template(try await runTemplate(found.template, inputs: inputs, outputDir: nil, approval: approval, origin: origin, in: ws))
    }

    /// A template run (inputs resolved, ``TemplateInputs``) with its outputs and `run-record.json`, serialised
    /// like ``perform(_:approval:origin:)``; `run-record.json` is synced before it returns.
    public func runTemplate(_ template: Template, inputs: [String: JSONValue], outputDir: String?, approval: ApprovalMode,
                            origin: RunOrigin?, in ws: Workspace? = nil) async throws -> TemplateRunResult {
        let ws = ws ?? workspace
        try checkRepository(ws)
        return try await exclusively {
            let result = try await TemplateRunner.run(template, inputs: inputs, outputDir: outputDir, approval: approval,
                                                      origin: origin, in: ws)
            try ws.syncPendingWrites()  // run-record.json
            return result
        }
    }

    /// An audit run with its report (nil when the audit could not run), serialised like ``perform(_:approval:origin:)``.
    public func runAudit(_ options: AuditRun.Options, approval: ApprovalMode, origin: RunOrigin?,
                         in ws: Workspace? = nil) async throws -> (AuditReport?, RunResult) {
        let ws = ws ?? workspace
        try checkRepository(ws)
        return try await exclusively { try await AuditRun.perform(options, approval: approval, origin: origin, in: ws) }
    }

    /// Runs `body` while no other run of this repository runs in this process (for work made of several runs:
    /// the demo, `templates run-all`, replay). Throws `CancellationError` if the task is cancelled before `body`
    /// starts.
    public func exclusively<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        try await takeTurn()
        do {
            try Task.checkCancellation()
            let value = try await body()
            endTurn()
            return value
        } catch {
            endTurn()
            throw error
        }
    }

    private func checkRepository(_ ws: Workspace) throws {
        guard ws.layout.repoRoot == workspace.layout.repoRoot else {
            throw SdetkitError("workspace of \(ws.layout.repoRoot) given to the run coordinator of \(workspace.layout.repoRoot)", exit: .usage)
        }
    }

    private func takeTurn() async throws {
        try Task.checkCancellation()
        if !busy {
            busy = true
            return
        }
        let id = nextWaiter
        nextWaiter += 1
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (turn: CheckedContinuation<Void, any Error>) in
                waiters.append((id, turn))
            }
        } onCancel: {
            Task { await self.cancelWaiter(id) }
        }
    }

    /// Hands the turn to the next waiter, in the order they asked.
    private func endTurn() {
        if waiters.isEmpty {
            busy = false
        } else {
            waiters.removeFirst().turn.resume()
        }
    }

    private func cancelWaiter(_ id: Int) {
        guard let i = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: i).turn.resume(throwing: CancellationError())
    }

    /// How many runs wait for their turn (for tests and diagnostics).
    public var waiting: Int { waiters.count }
}

/// What a task ran (``RunCoordinator/runTask(_:approval:origin:in:)``).
public enum TaskRun: Sendable {
    /// The planner's actions, one `agent.run`.
    case planned(RunResult)
    /// The template a `template:<id>` task named.
    case template(TemplateRunResult)

    public var run: RunResult {
        switch self {
        case .planned(let r): return r
        case .template(let t): return t.run
        }
    }
}

/// Template inputs given as JSON (a server request) turned into the template's typed inputs.
enum RunInputs {
    static func resolve(_ template: Template, _ inputs: [String: JSONValue]) throws -> [String: JSONValue] {
        var text: [String: String] = [:]
        for (name, value) in inputs {
            switch value {
            case .string(let s): text[name] = s
            case .bool(let b): text[name] = b ? "true" : "false"
            case .number: text[name] = CanonicalJSON.string(value)
            default:
                throw TemplateError.input("input '\(name)' of template '\(template.id)' must be a string, number or boolean, got \(value.typeName)")
            }
        }
        return try TemplateInputs.resolve(template, values: text)
    }
}
