import SdetkitCore

extension ActionRegistry {
    /// `planned`'s params as they go into the record: the action's ``AgentAction/recordedParams(_:)``, or, for
    /// an unknown action, ``ContentDigests/redact(_:)``.
    public func recordedParams(_ planned: PlannedAction) -> JSONValue {
        action(named: planned.action)?.recordedParams(planned.params) ?? ContentDigests.redact(planned.params)
    }
}

extension Plan {
    /// The task as the record keeps it: as given, except that `action NAME {json}` whose params hold a content
    /// or a secret is written `action NAME <canonical JSON of the recorded params>` (the same digests as the
    /// action's recorded params; the same task always gives the same text).
    public func recordedTask(_ task: String, registry: ActionRegistry) -> String {
        guard rule == "action", actions.count == 1, let planned = actions.first else { return task }
        let recorded = registry.recordedParams(planned)
        return recorded == planned.params ? task : "action \(planned.action) \(CanonicalJSON.string(recorded))"
    }
}
