import SdetkitCore

/// An action the planner chose, with its params.
public struct PlannedAction: Sendable, Hashable {
    public var action: String
    public var params: JSONValue
    public init(action: String, params: JSONValue) {
        self.action = action
        self.params = params
    }
}

/// The planner's output: which rule matched and the actions to run, or the template to run instead.
public struct Plan: Sendable, Hashable {
    public var rule: String
    public var actions: [PlannedAction]
    public var explanation: String
    /// For `template:<id>`: the template to run through the template pipeline (no `actions`). A workspace
    /// cannot run it alone: the run coordinator (SdetkitRuntime) does.
    public var template: String? = nil
}

public struct TaskSyntaxError: UserFacingError {
    public let message: String
    public var exitStatus: ExitStatus { .usage }
}

/// The deterministic, rule-based planner used with provider `none` (and always: a local model only adds notes).
///
/// Rules, first match wins (docs/cli.md):
/// 1. `action <name> <json-object>` — exactly that action.
/// 2. `health-check` — `git.status` and `fs.list .`.
/// 3. `status` / `git status` / `repo status` — `git.status`.
/// 4. `list [PATH]` / `ls [PATH]` — `fs.list`.
/// 5. `read PATH` / `cat PATH` — `fs.read`.
/// 6. `audit` / `audit repo` — `repo.audit` (when registered).
/// Then task words, whole words only, case-insensitive (``TaskWords``), first match wins:
/// 7. a `template:<id>` token — run that template (``Plan/template``).
/// 8. the word `audit` — `repo.audit {"profile": "default"}` (when registered).
/// 9. the word `report` — `report.build` of the HTML dashboard into the workdir (when registered).
/// Anything else: no actions (a run with status ok, planner rule `none`).
public enum Planner {
    public static func plan(_ task: String, registry: ActionRegistry) throws(TaskSyntaxError) -> Plan {
        let trimmed = task.trimmingWhitespace()
        if trimmed.hasPrefix("action ") || trimmed == "action" {
            return try planAction(trimmed)
        }
        let words = trimmed.split(whereSeparator: { $0 == " " || $0 == "\t" }).map { String($0) }
        let lower = words.map { $0.lowercased() }
        switch lower.first {
        case "health-check", "healthcheck":
            if lower.count == 1 {
                return Plan(rule: "health-check", actions: [
                    PlannedAction(action: "git.status", params: [:]), PlannedAction(action: "fs.list", params: ["path": "."]),
                ], explanation: "health check: repository status and top-level listing")
            }
        case "status" where lower.count == 1,
             "git" where lower == ["git", "status"],
             "repo" where lower == ["repo", "status"]:
            return Plan(rule: "status", actions: [PlannedAction(action: "git.status", params: [:])], explanation: "repository status")
        case "list", "ls":
            if words.count <= 2 {
                return Plan(rule: "list", actions: [PlannedAction(action: "fs.list", params: ["path": .string(words.count == 2 ? words[1] : ".")])],
                            explanation: "list a directory")
            }
        case "read", "cat":
            if words.count == 2 {
                return Plan(rule: "read", actions: [PlannedAction(action: "fs.read", params: ["path": .string(words[1])])],
                            explanation: "read a file")
            }
        case "audit":
            if (lower.count == 1 || lower == ["audit", "repo"]), registry.action(named: "repo.audit") != nil {
                return Plan(rule: "audit", actions: [PlannedAction(action: "repo.audit", params: [:])], explanation: "repository audit")
            }
        default: break
        }
        return try planWords(TaskWords(trimmed), registry: registry)
    }

    /// The parameters of the `report` word: the Python sdetkit's dashboard.
    public static let reportParams: JSONValue = ["format": "html", "output": .string(StateLayout.relWorkdir + "/dashboard.html")]

    static func planWords(_ words: TaskWords, registry: ActionRegistry) throws(TaskSyntaxError) -> Plan {
        let ids = words.templateIDs
        if ids.contains("") {
            throw TaskSyntaxError(message: "task word 'template:' needs a template id, e.g. template:repo-health-audit ('sdetkit agent templates list' lists them)")
        }
        if ids.count > 1 {
            throw TaskSyntaxError(message: "a task runs one template, got \(ids.map { "template:" + $0 }.joined(separator: ", ")); run them one at a time")
        }
        if let id = ids.first {
            return Plan(rule: "template", actions: [], explanation: "task word template:\(id): run template \(id)", template: id)
        }
        if words.contains("audit"), registry.action(named: "repo.audit") != nil {
            return Plan(rule: "audit", actions: [PlannedAction(action: "repo.audit", params: ["profile": "default"])],
                        explanation: "task word 'audit': repository audit (default profile)")
        }
        if words.contains("report"), registry.action(named: "report.build") != nil {
            return Plan(rule: "report", actions: [PlannedAction(action: "report.build", params: reportParams)],
                        explanation: "task word 'report': HTML dashboard of the history in the workdir")
        }
        return Plan(rule: "none", actions: [], explanation: "no rule matched: nothing to do")
    }

    static func planAction(_ task: String) throws(TaskSyntaxError) -> Plan {
        let rest = task.dropFirst("action".count).drop(while: { $0 == " " || $0 == "\t" })
        guard !rest.isEmpty else {
            throw TaskSyntaxError(message: "task 'action': missing action name; write: action <name> <json-object>, e.g. action fs.read {\"path\":\"README.md\"}")
        }
        let name = String(rest.prefix(while: { $0 != " " && $0 != "\t" && $0 != "{" }))
        let json = rest.dropFirst(name.count).drop(while: { $0 == " " || $0 == "\t" })
        var params: JSONValue = .object([:])
        if !json.isEmpty {
            do {
                params = try JSONParser.parse(String(json))
            } catch {
                throw TaskSyntaxError(message: "task 'action \(name)': params are not valid JSON (\(error.description)); pass a JSON object, e.g. {\"path\":\"x\"}")
            }
            guard params.objectValue != nil else {
                throw TaskSyntaxError(message: "task 'action \(name)': params must be a JSON object, got \(params.typeName)")
            }
        }
        return Plan(rule: "action", actions: [PlannedAction(action: name, params: params)], explanation: "explicit action \(name)")
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
