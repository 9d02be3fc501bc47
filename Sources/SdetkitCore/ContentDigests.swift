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
