import SdetkitCore

/// Effective inputs of a run: `--set NAME=VALUE` over the template's defaults, typed and checked.
public enum TemplateInputs {
    /// Parses `NAME=VALUE` assignments (the last one of a name wins) and resolves every declared input.
    /// Unknown names, missing required inputs, type and enum violations are ``TemplateError/input(_:)`` (exit 2).
    public static func resolve(_ template: Template, sets: [String]) throws(TemplateError) -> [String: JSONValue] {
        var given: [String: String] = [:]
        for assignment in sets {
            guard let eq = assignment.firstIndex(of: "="), eq != assignment.startIndex else {
                throw .input("--set '\(assignment)': write NAME=VALUE, e.g. --set path=README.md")
            }
            given[String(assignment[..<eq])] = String(assignment[assignment.index(after: eq)...])
        }
        return try resolve(template, values: given)
    }

    public static func resolve(_ template: Template, values: [String: String]) throws(TemplateError) -> [String: JSONValue] {
        let names = template.inputs.map(\.name)
        for name in values.keys.sorted() where template.input(named: name) == nil {
            let hint = Suggest.closest(name, in: names).map { "did you mean '\($0)'? " } ?? ""
            throw .input("template '\(template.id)' has no input '\(name)'; \(hint)inputs: \(names.isEmpty ? "none" : names.joined(separator: ", "))")
        }
        var out: [String: JSONValue] = [:]
        for input in template.inputs {
            if let raw = values[input.name] {
                guard let v = coerce(text: raw, to: input.type) else {
                    throw .input("input '\(input.name)' of template '\(template.id)' must be a \(input.type.rawValue)\(input.type == .boolean ? " (true or false)" : ""), got '\(raw)'")
                }
                if let allowed = input.allowed, !allowed.contains(v) {
                    throw .input("input '\(input.name)' of template '\(template.id)' must be one of \(allowed.map(Interpolation.text).joined(separator: ", ")), got '\(raw)'")
                }
                out[input.name] = v
            } else if let d = input.defaultValue {
                out[input.name] = d
            } else if input.required {
                throw .input("template '\(template.id)' needs input '\(input.name)'\(input.description.isEmpty ? "" : " (\(input.description))"); pass --set \(input.name)=VALUE")
            } else {
                out[input.name] = .null
            }
        }
        return out
    }

    /// A `--set` text as a value of `type`; nil when it is not one.
    public static func coerce(text raw: String, to type: InputType) -> JSONValue? {
        switch type {
        case .string: return .string(raw)
        case .number:
            let t = raw.trimmedSpaces
            guard YAMLTree.isNumber(t), let d = Double(t), d.isFinite else { return nil }
            return .number(d)
        case .boolean:
            switch raw.trimmedSpaces.lowercased() {
            case "true", "yes", "1", "on": return .bool(true)
            case "false", "no", "0", "off": return .bool(false)
            default: return nil
            }
        }
    }

    /// A YAML scalar (default or enum value) as a value of `type`; nil when it is not one.
    static func coerce(_ node: YNode, to type: InputType) -> JSONValue? {
        guard let text = node.scalarText else { return nil }
        switch (type, node.json) {
        case (.string, _): return .string(text)
        case (.number, .number(let n)): return .number(n)
        case (.boolean, .bool(let b)): return .bool(b)
        default: return nil
        }
    }
}
