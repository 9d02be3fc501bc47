/// The outcome of a run: `ok` only when every action succeeded; `denied` when policy refused
/// any action; otherwise `failed`.
public enum RunStatus: String, Sendable, Hashable, CaseIterable {
    case ok, failed, denied

    public static func from(_ actions: [ActionOutcome]) -> RunStatus {
        if actions.contains(where: { $0.denied }) { return .denied }
        if actions.contains(where: { !$0.ok }) { return .failed }
        return .ok
    }
}

/// How an action's approval gate was decided.
public enum ApprovalState: String, Sendable, Hashable {
    /// The action needs no approval (e.g. a read, a write inside the workdir).
    case notRequired = "not_required"
    /// Approval was needed and granted (`--approve` or an interactive yes).
    case granted
    /// Approval was needed and not granted.
    case denied
}

/// One executed (or refused) action, as recorded. `params` never holds file contents or secrets:
/// actions record digests instead.
public struct ActionOutcome: Sendable, Hashable {
    public var action: String
    public var params: JSONValue
    public var ok: Bool
    public var denied: Bool
    public var reason: String
    public var approval: ApprovalState
    public var result: JSONValue
    /// The template step id, when the action ran as part of a template.
    public var step: String?

    public init(action: String, params: JSONValue, ok: Bool, denied: Bool, reason: String,
                approval: ApprovalState = .notRequired, result: JSONValue = .object([:]), step: String? = nil) {
        self.action = action
        self.params = params
        self.ok = ok
        self.denied = denied
        self.reason = reason
        self.approval = approval
        self.result = result
        self.step = step
    }

    public var json: JSONValue {
        var o: [String: JSONValue] = [
            "action": .string(action), "params": params, "ok": .bool(ok), "denied": .bool(denied),
            "reason": .string(reason), "approval": .string(approval.rawValue), "result": result,
        ]
        if let step { o["step"] = .string(step) }
        return .object(o)
    }

    public init?(json: JSONValue) {
        guard let action = json["action"]?.stringValue, let ok = json["ok"]?.boolValue else { return nil }
        self.action = action
        self.params = json["params"] ?? .object([:])
        self.ok = ok
        self.denied = json["denied"]?.boolValue ?? false
        self.reason = json["reason"]?.stringValue ?? ""
        self.approval = ApprovalState(rawValue: json["approval"]?.stringValue ?? "") ?? .notRequired
        self.result = json["result"] ?? .object([:])
        self.step = json["step"]?.stringValue
    }
}

/// The repository state a run saw.
public struct RepoState: Sendable, Hashable {
    public var head: String?
    public var branch: String?
    public var dirty: Bool

    public init(head: String?, branch: String?, dirty: Bool) {
        self.head = head
        self.branch = branch
        self.dirty = dirty
    }

    public var json: JSONValue { ["head": .optional(head), "branch": .optional(branch), "dirty": .bool(dirty)] }

    public init(json: JSONValue?) {
        head = json?["head"]?.stringValue
        branch = json?["branch"]?.stringValue
        dirty = json?["dirty"]?.boolValue ?? false
    }
}

/// A file a run produced, by repo-relative path and digest.
public struct Artifact: Sendable, Hashable {
    public var name: String
    public var path: String
    public var sha256: String
    public var bytes: Int

    public init(name: String, path: String, sha256: String, bytes: Int) {
        self.name = name
        self.path = path
        self.sha256 = sha256
        self.bytes = bytes
    }

    public var json: JSONValue {
        ["name": .string(name), "path": .string(path), "sha256": .string(sha256), "bytes": .int(bytes)]
    }

    public init?(json: JSONValue) {
        guard let name = json["name"]?.stringValue, let path = json["path"]?.stringValue,
              let sha = json["sha256"]?.stringValue else { return nil }
        self.init(name: name, path: path, sha256: sha, bytes: json["bytes"]?.intValue ?? 0)
    }
}

/// A step of the run's plan: which role did what (manager plans, worker executes, reviewer judges).
public struct PlanStep: Sendable, Hashable {
    public var role: String
    public var detail: String

    public init(role: String, detail: String) {
        self.role = role
        self.detail = detail
    }

    public var json: JSONValue { ["role": .string(role), "detail": .string(detail)] }
}

/// The defining part of a run: everything that determines what happened, nothing observed.
/// Its content hash is SHA-256 over the RFC 8785 canonical JSON of ``json``
/// (docs/history-format.md). Never holds absolute paths, host names, times or file contents.
public struct RunRecord: Sendable, Hashable {
    public static let schema = "sdetkit.run/v1"

    /// What produced the run: `agent.run`, `template.run`, `audit`.
    public var kind: String
    public var task: String
    /// Which rule of the planner produced the actions (`action`, `health-check`, …, or `none`).
    public var planner: String
    public var steps: [PlanStep]
    public var actions: [ActionOutcome]
    public var status: RunStatus
    public var configDigest: String
    public var repo: RepoState
    public var provider: String
    /// Template id, version, digest and inputs for template runs.
    public var template: JSONValue?
    public var artifacts: [Artifact]
    /// For imported runs (kind `import.python`): the original record file.
    public var imported: ImportSource?

    public init(kind: String, task: String, planner: String, steps: [PlanStep], actions: [ActionOutcome],
                status: RunStatus, configDigest: String, repo: RepoState, provider: String,
                template: JSONValue? = nil, artifacts: [Artifact] = []) {
        self.kind = kind
        self.task = task
        self.planner = planner
        self.steps = steps
        self.actions = actions
        self.status = status
        self.configDigest = configDigest
        self.repo = repo
        self.provider = provider
        self.template = template
        self.artifacts = artifacts
        self.imported = nil
    }

    public var json: JSONValue {
        var o: [String: JSONValue] = [
            "schema": .string(Self.schema),
            "kind": .string(kind),
            "task": .string(task),
            "plan": ["planner": .string(planner), "steps": .array(steps.map(\.json))],
            "actions": .array(actions.map(\.json)),
            "status": .string(status.rawValue),
            "config_digest": .string(configDigest),
            "repo": repo.json,
            "provider": .string(provider),
            "artifacts": .array(artifacts.map(\.json)),
        ]
        if let template { o["template"] = template }
        if let imported { o["imported"] = imported.json }
        return .object(o)
    }

    /// The bytes stored in the object file and hashed.
    public var canonicalBytes: [UInt8] { CanonicalJSON.encode(json) }

    public var contentHash: String { Digest.sha256Hex(canonicalBytes) }

    public init(json: JSONValue) throws(SdetkitError) {
        guard json["schema"]?.stringValue == Self.schema else {
            throw SdetkitError("record has no '\(Self.schema)' schema", exit: .integrity)
        }
        kind = json["kind"]?.stringValue ?? "agent.run"
        task = json["task"]?.stringValue ?? ""
        planner = json["plan"]?["planner"]?.stringValue ?? "none"
        steps = (json["plan"]?["steps"]?.arrayValue ?? []).map {
            PlanStep(role: $0["role"]?.stringValue ?? "", detail: $0["detail"]?.stringValue ?? "")
        }
        actions = (json["actions"]?.arrayValue ?? []).compactMap(ActionOutcome.init(json:))
        status = RunStatus(rawValue: json["status"]?.stringValue ?? "") ?? .failed
        configDigest = json["config_digest"]?.stringValue ?? ""
        repo = RepoState(json: json["repo"])
        provider = json["provider"]?.stringValue ?? "none"
        template = json["template"]
        artifacts = (json["artifacts"]?.arrayValue ?? []).compactMap(Artifact.init(json:))
        imported = json["imported"].flatMap(ImportSource.init(json:))
    }

    /// Template id for template runs.
    public var templateID: String? { template?["id"]?.stringValue }

    /// The first failure or denial reason, for reports.
    public var firstProblem: String? {
        actions.first(where: { $0.denied || !$0.ok }).map { "\($0.action): \($0.reason)" }
    }
}

/// Observed metadata about a run: kept in its ledger entry, never in the hashed record.
public struct RunObservation: Sendable, Hashable {
    public var capturedAt: String
    public var durationMs: Int
    public var tool: String
    public var host: String?
    /// Notes from an optional local model provider, and provider fallbacks.
    public var notes: [String]
    /// Who caused the run (a server request, an event), when a front end says so; never part of the record.
    public var origin: RunOrigin?

    public init(capturedAt: String, durationMs: Int, tool: String, host: String?, notes: [String] = [],
                origin: RunOrigin? = nil) {
        self.capturedAt = capturedAt
        self.durationMs = durationMs
        self.tool = tool
        self.host = host
        self.notes = notes
        self.origin = origin
    }
}

/// Who caused a run; recorded in the run's *observed* metadata (the ledger entry, `observed.origin`), never in
/// the hashed defining part, so it does not change the run's content hash.
public struct RunOrigin: Sendable, Hashable {
    public var requestID: String?
    public var eventID: String?
    public var channel: String?
    public var user: String?

    public init(requestID: String? = nil, eventID: String? = nil, channel: String? = nil, user: String? = nil) {
        self.requestID = requestID
        self.eventID = eventID
        self.channel = channel
        self.user = user
    }

    /// `{"request_id", "event_id", "channel", "user"}`, absent fields omitted.
    public var json: JSONValue {
        var o: [String: JSONValue] = [:]
        if let requestID { o["request_id"] = .string(requestID) }
        if let eventID { o["event_id"] = .string(eventID) }
        if let channel { o["channel"] = .string(channel) }
        if let user { o["user"] = .string(user) }
        return .object(o)
    }

    /// Parses ``json``; nil when `value` is not an object. Members that are not strings are ignored.
    public init?(json value: JSONValue) {
        guard let o = value.objectValue else { return nil }
        self.init(requestID: o["request_id"]?.stringValue, eventID: o["event_id"]?.stringValue,
                  channel: o["channel"]?.stringValue, user: o["user"]?.stringValue)
    }
}

public enum ToolInfo {
    public static let name = "sdetkit"
    public static let version = "0.1.0"
    public static var versionString: String { "\(name) \(version)" }
}
