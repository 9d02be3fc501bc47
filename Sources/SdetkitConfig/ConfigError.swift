import SdetkitCore

/// A problem with the config file. Every message is one line: `FILE:LINE: what is wrong; how to fix it`.
public enum ConfigError: UserFacingError, Equatable, CustomStringConvertible {
    /// The text is not well-formed YAML.
    case invalidYAML(file: String, line: Int?, problem: String)
    /// A key appears twice in one mapping (`line` is where it first appears).
    case duplicateKey(file: String, line: Int, keys: [String])
    /// A key has a value of the wrong type or out of range. `problem` starts with "must be" or similar.
    case invalidValue(file: String, line: Int, key: String, problem: String)
    /// A key that is not allowed where it appears. `section` is nil at the top level.
    case unknownKey(file: String, line: Int, key: String, section: String?, suggestion: String?, allowed: [String],
                    legacyOnly: Bool)
    /// The file could not be read.
    case unreadable(path: String, reason: String)
    /// `config migrate` could not finish; the original file is untouched unless `reason` says otherwise.
    case migrationFailed(path: String, reason: String)

    public var exitStatus: ExitStatus { .usage }

    /// The 1-based line the error points at, when known.
    public var line: Int? {
        switch self {
        case .invalidYAML(_, let line, _): return line
        case .invalidValue(_, let line, _, _): return line
        case .duplicateKey(_, let line, _): return line
        case .unknownKey(_, let line, _, _, _, _, _): return line
        case .unreadable, .migrationFailed: return nil
        }
    }

    public var message: String {
        switch self {
        case .invalidYAML(let file, let line, let problem):
            let fix = problem.contains(";") ? "" : "; check indentation, quotes and brackets"
            return "\(Self.location(file, line)) invalid YAML: \(problem)\(fix)"
        case .duplicateKey(let file, let line, let keys):
            let names = keys.map { "'\(ConfigText.clip($0))'" }.joined(separator: ", ")
            return "\(Self.location(file, line)) duplicate key \(names) in one mapping; keep only one of them"
        case .invalidValue(let file, let line, let key, let problem):
            return "\(Self.location(file, line)) \(key) \(problem)"
        case .unknownKey(let file, let line, let key, let section, let suggestion, let allowed, let legacyOnly):
            let where_ = section.map { " in \($0)" } ?? ""
            var text = "\(Self.location(file, line)) unknown key '\(ConfigText.clip(key))'\(where_)"
            if legacyOnly {
                text += " (it belongs to the legacy format, which ignores it); remove it"
            } else if let suggestion {
                text += " (did you mean '\(suggestion)'?)"
            } else {
                text += "; allowed keys here: \(allowed.sorted().joined(separator: ", "))"
            }
            return text
        case .unreadable(let path, let reason):
            return "cannot read \(path): \(reason)"
        case .migrationFailed(let path, let reason):
            return "cannot migrate \(path): \(reason)"
        }
    }

    public var description: String { message }

    static func location(_ file: String, _ line: Int?) -> String {
        line.map { "\(file):\($0):" } ?? "\(file):"
    }
}

/// Small text helpers for messages.
enum ConfigText {
    /// A value as it may appear inside a one-line message: control characters escaped, long text shortened.
    static func clip(_ s: String, limit: Int = 60) -> String {
        var out = ""
        var count = 0
        for ch in s.unicodeScalars {
            if count >= limit { out += "…"; break }
            switch ch {
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if ch.value < 0x20 || ch.value == 0x7F {
                    out += "\\u{\(String(ch.value, radix: 16))}"
                } else {
                    out.unicodeScalars.append(ch)
                }
            }
            count += 1
        }
        return out
    }

    /// The closest candidate to `word`: Levenshtein distance ≤ 2 (case-insensitive), or one is a prefix of
    /// the other. Ties go to the smaller distance, then alphabetical order.
    static func suggestion(for word: String, among candidates: [String]) -> String? {
        let w = Array(word.lowercased().unicodeScalars)
        guard !w.isEmpty else { return nil }
        var best: (distance: Int, name: String)?
        for candidate in candidates.sorted() {
            let c = Array(candidate.lowercased().unicodeScalars)
            var d = levenshtein(w, c)
            if d > 2 {
                let isPrefix = (w.count >= 3 && c.starts(with: w)) || (c.count >= 3 && w.starts(with: c))
                guard isPrefix else { continue }
                d = 3
            }
            if let current = best, current.distance <= d { continue }
            best = (d, candidate)
        }
        return best?.name
    }

    static func levenshtein(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
