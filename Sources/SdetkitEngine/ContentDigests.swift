import SdetkitCore

/// File contents as runs record them: every `content` member becomes `content_sha256` and `content_bytes`
/// (of its text; a non-string content is digested as its canonical JSON), at any depth. The default of
/// ``AgentAction/recordedParams(_:)`` and the form the recorded task of `action NAME {json}` uses, so a content
/// is never in the history, its index or its exports (docs/history-format.md).
public enum ContentDigests {
    public static func redact(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(var o):
            if let content = o.removeValue(forKey: "content") {
                let text = content.stringValue ?? CanonicalJSON.string(content)
                o["content_sha256"] = .string(Digest.sha256Hex(text))
                o["content_bytes"] = .int(text.utf8.count)
            }
            return .object(o.mapValues(redact))
        case .array(let a): return .array(a.map(redact))
        default: return value
        }
    }
}

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
