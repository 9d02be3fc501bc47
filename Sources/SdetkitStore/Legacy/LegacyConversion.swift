import SdetkitCore

extension LegacyRecord {
    /// The planner name of imported runs (their task family).
    public static let planner = "python-sdetkit"

    /// The run of kind ``LegacyHistory/kind`` that records this legacy record: its task, status, steps and
    /// actions (name, ok, denied, params and payload) and, under `imported`, the original file's name,
    /// SHA-256, size, hash and time. File contents never enter it: every `content` member (an `fs.write`'s
    /// params, an `fs.read`'s payload, in the task of `action fs.write {…}`) becomes `content_sha256` and
    /// `content_bytes`, as sdetkit records its own writes. The legacy `outputs` (a copy of the actions and a
    /// summary) and `cache` (an absolute path) are left out. The repository state, config and provider of
    /// the Python run are unknown: `repo` is all null, `config_digest` empty, `provider` `unknown`.
    public func runRecord() -> RunRecord {
        let parsedTask = Self.actionTask(task)
        // The task of `action fs.write {…"content":…}` holds the content: recorded with its digest instead.
        let recordedTask = parsedTask.flatMap { p -> String? in
            let safe = Self.redacted(p.params)
            return safe == p.params ? nil : "action \(p.name) \(CanonicalJSON.string(safe))"
        } ?? task
        func clean(_ text: String) -> String {
            recordedTask == task || task.isEmpty ? text : text.replacing(task, with: recordedTask)
        }
        let actionSteps = steps.filter { $0["kind"]?.stringValue == "action" }
        var outcomes: [ActionOutcome] = []
        for (i, a) in actions.enumerated() {
            let name = a["action"]?.stringValue ?? ""
            let ok = a["ok"]?.boolValue ?? false
            let denied = a["denied"]?.boolValue ?? false
            var payload = a["payload"]?.objectValue ?? [:]
            let stepMessage = i < actionSteps.count ? actionSteps[i]["message"]?.stringValue : nil
            var params = payload.removeValue(forKey: "params") ?? .object([:])
            if params.objectValue?.isEmpty == true, actions.count == 1, let parsedTask, parsedTask.name == name {
                params = parsedTask.params
            }
            let reason: String
            if denied {
                reason = payload["reason"]?.stringValue ?? payload["error"]?.stringValue ?? stepMessage ?? "denied"
            } else if !ok {
                reason = payload["error"]?.stringValue ?? stepMessage ?? "failed"
            } else {
                reason = "ok"
            }
            let approval: ApprovalState = denied ? .denied
                : (stepMessage == "approved" || stepMessage == "auto-approved" ? .granted : .notRequired)
            outcomes.append(ActionOutcome(action: name, params: Self.redacted(params), ok: ok && !denied, denied: denied,
                                          reason: clean(reason), approval: approval, result: Self.redacted(.object(payload))))
        }
        let planSteps = steps.map { s -> PlanStep in
            let role = s["role"]?.stringValue ?? ""
            let message = clean(s["message"]?.stringValue ?? "")
            let status = s["status"]?.stringValue ?? ""
            let detail: String
            if let action = s["action"]?.stringValue {
                detail = "\(action): \(status) — \(message)"
            } else {
                detail = status.isEmpty || status == "ok" ? message : "\(status): \(message)"
            }
            return PlanStep(role: role.hasPrefix("worker") ? "worker" : role, detail: detail)
        }
        let status: RunStatus = self.status == "ok" ? .ok : (outcomes.contains(where: \.denied) ? .denied : .failed)
        var run = RunRecord(kind: LegacyHistory.kind, task: recordedTask, planner: Self.planner, steps: planSteps, actions: outcomes,
                            status: status, configDigest: "", repo: RepoState(head: nil, branch: nil, dirty: false), provider: "unknown")
        run.imported = source
        return run
    }

    /// `action NAME {json}` as the Python tool reads it (its `maybe_parse_action_task`), when the JSON
    /// is an object; nil for any other task.
    static func actionTask(_ task: String) -> (name: String, params: JSONValue)? {
        let trimmed = trim(Substring(task))
        guard trimmed.hasPrefix("action ") else { return nil }
        let rest = trim(trimmed.dropFirst("action ".count))
        guard let space = rest.firstIndex(of: " ") else { return nil }
        guard let params = try? JSONParser.parse(String(trim(rest[space...]))), params.objectValue != nil else { return nil }
        return (String(rest[..<space]), params)
    }

    private static func trim(_ s: Substring) -> Substring {
        var s = s
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return s
    }

    /// `value` with every `content` member replaced by its digest and size (the record model's one rule).
    static func redacted(_ value: JSONValue) -> JSONValue { ContentDigests.redact(value) }
}
