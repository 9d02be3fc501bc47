import SdetkitConfig
import SdetkitCore
import SdetkitPolicy
import SdetkitStore

/// What an action sees while it runs. Every write and command goes through `policy`.
public struct ActionContext: Sendable {
    public let layout: StateLayout
    public let policy: PolicyEngine
    public let config: AgentConfig
    public let dryRun: Bool
    public let clock: RunClock
    /// Repo-relative directory where a template run writes its outputs, if any.
    public let outputDir: String?
    /// The registry, so composite actions can look up others.
    public let registry: ActionRegistry
    /// The workspace's repository state: actions report writes and commands to it, `git.status` reads it.
    public let workTree: WorkTreeObserver
    /// Where writes into sdetkit's own output areas defer their directory sync until the run is committed;
    /// nil syncs at once.
    public let directorySyncs: DirectorySyncs?
    /// The workspace's history store, for actions that read the history (its index connection is already
    /// open); nil: open one.
    public let store: HistoryStore?

    public var repoRoot: String { layout.repoRoot }

    /// The history store to read: the workspace's, or a new one on this layout.
    public var history: HistoryStore { store ?? HistoryStore(layout: layout) }

    public init(layout: StateLayout, policy: PolicyEngine, config: AgentConfig, dryRun: Bool, clock: RunClock,
                outputDir: String?, registry: ActionRegistry, workTree: WorkTreeObserver? = nil,
                directorySyncs: DirectorySyncs? = nil, store: HistoryStore? = nil) {
        self.layout = layout
        self.policy = policy
        self.config = config
        self.dryRun = dryRun
        self.clock = clock
        self.outputDir = outputDir
        self.registry = registry
        self.workTree = workTree ?? WorkTreeObserver(repoRoot: layout.repoRoot)
        self.directorySyncs = directorySyncs
        self.store = store
    }
}

/// An action's outcome plus what later template steps may use (`outputs`) and the files it produced.
public struct ActionResult: Sendable {
    public var outcome: ActionOutcome
    public var outputs: [String: JSONValue]
    public var artifacts: [Artifact]

    public init(outcome: ActionOutcome, outputs: [String: JSONValue] = [:], artifacts: [Artifact] = []) {
        self.outcome = outcome
        self.outputs = outputs
        self.artifacts = artifacts
    }

    public static func failed(_ action: String, _ params: JSONValue, _ reason: String, approval: ApprovalState = .notRequired,
                              result: JSONValue = .object([:])) -> ActionResult {
        ActionResult(outcome: ActionOutcome(action: action, params: params, ok: false, denied: false, reason: reason,
                                            approval: approval, result: result))
    }

    public static func denied(_ action: String, _ params: JSONValue, _ reason: String, approval: ApprovalState) -> ActionResult {
        ActionResult(outcome: ActionOutcome(action: action, params: params, ok: false, denied: true, reason: reason,
                                            approval: approval))
    }

    public static func succeeded(_ action: String, _ params: JSONValue, _ reason: String = "ok", approval: ApprovalState = .notRequired,
                                 result: JSONValue = .object([:]), outputs: [String: JSONValue] = [:],
                                 artifacts: [Artifact] = []) -> ActionResult {
        ActionResult(outcome: ActionOutcome(action: action, params: params, ok: true, denied: false, reason: reason,
                                            approval: approval, result: result),
                     outputs: outputs, artifacts: artifacts)
    }
}

/// An action: a named, policy-checked unit of work. Actions are values; the registry holds them.
public protocol AgentAction: Sendable {
    var name: String { get }
    /// One line for `sdetkit agent actions` and docs.
    var summary: String { get }
    /// The params as they go into the record: contents and secrets replaced by digests. Defaults to
    /// ``ContentDigests/redact(_:)`` (every `content` member as its digest and size).
    func recordedParams(_ params: JSONValue) -> JSONValue
    /// Runs (or, with `context.dryRun`, only checks) the action. Never throws: failures are outcomes.
    func run(_ params: JSONValue, in context: ActionContext) async -> ActionResult
    /// Whether a run made of such actions may be prepared alongside other runs (``OrderedRuns``). `params`
    /// are as written, before any interpolation. Defaults to ``ActionIsolation/shared``.
    func isolation(_ params: JSONValue) -> ActionIsolation
}

extension AgentAction {
    public func recordedParams(_ params: JSONValue) -> JSONValue { ContentDigests.redact(params) }
    public func isolation(_ params: JSONValue) -> ActionIsolation { .shared }
}

/// What an action may touch, for preparing runs at the same time (docs/security-model.md).
public enum ActionIsolation: Sendable, Hashable {
    /// Reads only the repository's tracked content and state (never sdetkit's state, the history or other
    /// runs' outputs), writes only files it names inside its run's output directory, and runs no command: its
    /// result cannot depend on, or change, what another such run sees.
    case confined
    /// Anything else. A run with such an action is prepared on its own, after every earlier run is recorded.
    case shared
}

extension ActionIsolation {
    /// True for a file name that stays inside the run's output directory whatever the inputs: absent, or a
    /// relative path without `..` and without interpolation.
    public static func isPlainName(_ value: JSONValue?) -> Bool {
        guard let value, !value.isNull else { return true }
        guard let s = value.stringValue, !s.isEmpty, !s.hasPrefix("/"), !s.contains("${{") else { return false }
        return !Path.components(s).contains("..")
    }
}

/// The set of actions a run may use. Later modules (audit, templates, reports) register theirs.
public struct ActionRegistry: Sendable {
    var actions: [String: any AgentAction] = [:]

    public init(_ actions: [any AgentAction] = []) {
        for a in actions { register(a) }
    }

    public mutating func register(_ action: any AgentAction) { actions[action.name] = action }

    public func action(named name: String) -> (any AgentAction)? { actions[name] }

    public var names: [String] { actions.keys.sorted() }

    public var all: [any AgentAction] { names.compactMap { actions[$0] } }

    /// fs.read, fs.write, fs.list, shell.run, git.status.
    public static var builtin: ActionRegistry {
        ActionRegistry([FileReadAction(), FileWriteAction(), FileListAction(), ShellRunAction(), GitStatusAction()])
    }

    public func merging(_ other: ActionRegistry) -> ActionRegistry {
        var r = self
        for a in other.all { r.register(a) }
        return r
    }
}

/// Param helpers shared by actions.
public enum Params {
    public static func string(_ params: JSONValue, _ key: String) -> String? { params[key]?.stringValue }

    public static func requireString(_ params: JSONValue, _ key: String, action: String) -> Result<String, ParamError> {
        guard let v = params[key] else { return .failure(ParamError("\(action): missing required param '\(key)'")) }
        guard let s = v.stringValue else {
            return .failure(ParamError("\(action): param '\(key)' must be a string, got \(v.typeName)"))
        }
        return .success(s)
    }
}

public struct ParamError: Error, Sendable {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
}
