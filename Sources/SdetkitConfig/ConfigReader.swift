import Yams

/// One `key: value` pair of a section, with the key's full dotted path for messages.
struct Member {
    let name: String
    let path: String
    let keyNode: Node
    let value: Node

    /// The line an error about the value points at: the value's own line, or the key's when the value is empty.
    var line: Int { value.isNullScalar ? keyNode.line : value.line }
}

/// Typed, validating access to config nodes. Every failure is a ``ConfigError`` with a line number.
struct ConfigReader {
    let file: String
    let legacy: Bool

    func invalid(_ line: Int, _ key: String, _ problem: String) -> ConfigError {
        .invalidValue(file: file, line: line, key: key, problem: problem)
    }

    func invalid(_ m: Member, _ problem: String) -> ConfigError { invalid(m.line, m.path, problem) }

    /// The members of a section. An empty section (`budgets:` with nothing under it) has none.
    /// Keys not in `allowed` are errors, except `legacyOnly` keys in a legacy file, which are skipped.
    func members(of node: Node, path: String?, line: Int, allowed: [String], legacyOnly: [String] = [],
                 ignored: inout [String]) throws(ConfigError) -> [Member] {
        if node.isNullScalar { return [] }
        guard case .mapping(let mapping) = node else {
            let what = path ?? "the top level"
            let keys = allowed.joined(separator: ", ")
            throw invalid(node.line, what,
                          "must be a mapping with the keys \(keys), got \(node.describedForMessage)")
        }
        var out: [Member] = []
        for (keyNode, value) in mapping {
            guard case .scalar(let keyScalar) = keyNode else {
                throw invalid(keyNode.line, path ?? "the top level",
                              "has a key that is \(keyNode.describedForMessage); keys must be plain names")
            }
            let name = keyScalar.string
            if allowed.contains(name) {
                out.append(Member(name: name, path: path.map { "\($0).\(name)" } ?? name, keyNode: keyNode, value: value))
            } else if legacyOnly.contains(name) {
                if legacy {
                    ignored.append(path.map { "\($0).\(name)" } ?? name)
                } else {
                    throw ConfigError.unknownKey(file: file, line: keyNode.line, key: name, section: path, suggestion: nil,
                                                 allowed: allowed, legacyOnly: true)
                }
            } else {
                throw ConfigError.unknownKey(file: file, line: keyNode.line, key: name, section: path,
                                             suggestion: ConfigText.suggestion(for: name, among: allowed),
                                             allowed: allowed, legacyOnly: false)
            }
        }
        return out
    }

    func scalar(_ m: Member) -> ScalarValue? {
        if case .scalar(let s) = m.value { return ScalarValue(s) }
        return nil
    }

    /// An integer ≥ `min`.
    func int(_ m: Member, min: Int, requirement: String) throws(ConfigError) -> Int {
        guard case .int(let parsed)? = scalar(m) else {
            throw invalid(m, "must be \(requirement), got \(m.value.describedForMessage)")
        }
        guard let value = parsed else {
            throw invalid(m, "must be \(requirement), got \(m.value.describedForMessage), which is too large")
        }
        guard value >= min else { throw invalid(m, "must be \(requirement), got \(m.value.describedForMessage)") }
        return value
    }

    /// An integer from `range.lowerBound` to `range.upperBound`.
    func int(_ m: Member, in range: ClosedRange<Int>, requirement: String) throws(ConfigError) -> Int {
        let value = try int(m, min: range.lowerBound, requirement: requirement)
        guard value <= range.upperBound else { throw invalid(m, "must be \(requirement), got \(m.value.describedForMessage)") }
        return value
    }

    /// A finite number (integer or decimal) for which `valid` holds.
    func number(_ m: Member, requirement: String, valid: (Double) -> Bool) throws(ConfigError) -> Double {
        let value: Double
        switch scalar(m) {
        case .int(let i?): value = Double(i)
        case .int(nil): value = .infinity
        case .float(let d): value = d
        default: throw invalid(m, "must be \(requirement), got \(m.value.describedForMessage)")
        }
        guard value.isFinite else {
            throw invalid(m, "must be \(requirement), got \(m.value.describedForMessage), which is too large")
        }
        guard valid(value) else { throw invalid(m, "must be \(requirement), got \(m.value.describedForMessage)") }
        return value
    }

    /// Text: any non-empty scalar except null and booleans (numbers are taken as written).
    func text(_ node: Node, line: Int, path: String, requirement: String = "a string") throws(ConfigError) -> String {
        guard case .scalar(let s) = node else {
            throw invalid(line, path, "must be \(requirement), got \(node.describedForMessage)")
        }
        switch ScalarValue(s) {
        case .null:
            throw invalid(line, path, "must be \(requirement), got nothing; give a value or remove the key to use the default")
        case .bool:
            throw invalid(line, path, "must be \(requirement), got the boolean \(node.describedForMessage); quote it if you mean text")
        case .string(let t) where t.isEmpty:
            throw invalid(line, path, "must be \(requirement), got an empty string")
        default:
            return s.string
        }
    }

    func text(_ m: Member, requirement: String = "a string") throws(ConfigError) -> String {
        try text(m.value, line: m.line, path: m.path, requirement: requirement)
    }

    /// A list's items. An empty value (`key:` with nothing) is an empty list.
    func list(_ m: Member, requirement: String) throws(ConfigError) -> [Node] {
        if m.value.isNullScalar { return [] }
        guard case .sequence(let seq) = m.value else {
            throw invalid(m, "must be \(requirement), got \(m.value.describedForMessage)")
        }
        return Array(seq)
    }
}
