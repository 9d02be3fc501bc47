import SdetkitCore

/// `metadata:` of a template.
public struct TemplateMetadata: Sendable, Hashable {
    public var id: String
    public var title: String
    public var version: String
    public var description: String
    public var tags: [String]

    public var json: JSONValue {
        ["id": .string(id), "title": .string(title), "version": .string(version), "description": .string(description),
         "tags": .array(tags.map { .string($0) })]
    }
}

public enum InputType: String, Sendable, Hashable, CaseIterable {
    case string, number, boolean
}

/// One entry of `inputs:`.
public struct TemplateInput: Sendable, Hashable {
    public var name: String
    public var type: InputType
    /// Typed default (string, number or bool), if any.
    public var defaultValue: JSONValue?
    public var required: Bool
    /// Allowed values (`enum:`), typed; nil when any value of the type is allowed.
    public var allowed: [JSONValue]?
    public var description: String
    public var line: Int

    public var json: JSONValue {
        var o: [String: JSONValue] = ["type": .string(type.rawValue), "required": .bool(required),
                                      "description": .string(description)]
        o["default"] = defaultValue ?? .null
        if let allowed { o["enum"] = .array(allowed) }
        return .object(o)
    }
}

/// `retries:` of a step: re-run a failed (never a denied) step up to `max` more times.
public struct RetryPolicy: Sendable, Hashable {
    public var max: Int
    /// Wait before retry n (1-based) is `backoffSeconds × 2^(n-1)`.
    public var backoffSeconds: Double

    public static let none = RetryPolicy(max: 0, backoffSeconds: 0)

    public func delay(beforeRetry n: Int) -> Double {
        backoffSeconds * Double(1 << Swift.min(Swift.max(n - 1, 0), 16))
    }
}

/// One entry of `workflow:`.
public struct TemplateStep: Sendable, Hashable {
    public var id: String
    public var name: String?
    public var action: String
    var with: YNode?
    var when: YNode?
    public var retries: RetryPolicy
    public var timeoutSeconds: Double?
    public var continueOnError: Bool
    public var line: Int
    public var actionLine: Int

    /// `with:` as written (before interpolation), as JSON.
    public var rawParams: JSONValue { with?.json ?? .object([:]) }

    /// `when:` as written, if any.
    public var rawWhen: String? {
        guard let when else { return nil }
        return when.scalarText
    }

    public var json: JSONValue {
        var o: [String: JSONValue] = ["id": .string(id), "action": .string(action), "with": rawParams,
                                      "retries": ["max": .int(retries.max), "backoff_seconds": .number(retries.backoffSeconds)],
                                      "continue_on_error": .bool(continueOnError)]
        if let name { o["name"] = .string(name) }
        o["when"] = rawWhen.map { .string($0) } ?? .null
        o["timeout_seconds"] = timeoutSeconds.map { .number($0) } ?? .null
        return .object(o)
    }
}

/// One entry of `outputs:`: a name and the (interpolated) text it takes after the run.
public struct TemplateOutput: Sendable, Hashable {
    public var name: String
    public var value: String
    public var line: Int
}

/// A parsed, validated template.
public struct Template: Sendable, Hashable {
    public var metadata: TemplateMetadata
    /// In file order.
    public var inputs: [TemplateInput]
    public var workflow: [TemplateStep]
    /// In file order.
    public var outputs: [TemplateOutput]
    /// How the file is shown in messages.
    public var file: String
    /// SHA-256 of the template file's bytes.
    public var digest: String
    /// The file's bytes (what packs carry and the digest covers).
    public var bytes: [UInt8]

    public var id: String { metadata.id }

    public func input(named name: String) -> TemplateInput? { inputs.first { $0.name == name } }

    public var json: JSONValue {
        var ins: [String: JSONValue] = [:]
        for i in inputs { ins[i.name] = i.json }
        var outs: [String: JSONValue] = [:]
        for o in outputs { outs[o.name] = .string(o.value) }
        return ["metadata": metadata.json, "inputs": .object(ins), "workflow": .array(workflow.map(\.json)),
                "outputs": .object(outs), "digest": .string(digest)]
    }
}
