import SdetkitCore

/// One problem in a template file, pointing at the line it is about.
public struct TemplateIssue: Sendable, Hashable, CustomStringConvertible {
    /// How the file is shown: a repo-relative path, a path as given, or `<shipped>/NAME.yaml`.
    public var file: String
    public var line: Int?
    public var problem: String

    public init(file: String, line: Int?, problem: String) {
        self.file = file
        self.line = line
        self.problem = problem
    }

    /// `FILE:LINE: problem` (or `FILE: problem` when the line is unknown), on one line: control characters
    /// (a terminal escape in a hostile file, a line break) are shown escaped.
    public var text: String {
        let f = Self.escaped(file), p = Self.escaped(problem)
        return line.map { "\(f):\($0): \(p)" } ?? "\(f): \(p)"
    }

    /// `s` with C0/C1 control characters and DEL written as `\n`, `\t`, `\r` or `\u{XX}`.
    public static func escaped(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: isControl) else { return s }
        var out = ""
        for u in s.unicodeScalars {
            switch u {
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case _ where isControl(u): out += "\\u{" + String(u.value, radix: 16, uppercase: true) + "}"
            default: out.unicodeScalars.append(u)
            }
        }
        return out
    }

    static func isControl(_ u: Unicode.Scalar) -> Bool { u.value < 0x20 || (0x7F...0x9F).contains(u.value) }
    public var description: String { text }
}

/// Errors of the template subsystem. Exit 2 for anything the user wrote or asked for, 3 for a pack whose
/// integrity does not hold.
public enum TemplateError: UserFacingError, CustomStringConvertible {
    /// The template file is not a valid template (parse or validation problems, each with file:line).
    case invalid([TemplateIssue])
    /// No template with this id was discovered.
    case notFound(id: String, known: [String])
    /// A `--set`/input problem: unknown name, missing required input, wrong type, not in the enum.
    case input(String)
    /// A file could not be read or written, or an argument is unusable.
    case usage(String)
    /// A template pack failed verification (checksum, signature or archive structure).
    case integrity(String)

    public var exitStatus: ExitStatus {
        if case .integrity = self { return .integrity }
        return .usage
    }

    public var message: String {
        switch self {
        case .invalid(let issues):
            guard let first = issues.first else { return "invalid template" }
            let more = issues.count > 1 ? " (and \(issues.count - 1) more problem(s); run 'sdetkit agent templates validate')" : ""
            return first.text + more
        case .notFound(let id, let known):
            let list = known.isEmpty ? "none were found" : "known: " + known.joined(separator: ", ")
            return "no template with id '\(id)' (\(list)); see 'sdetkit agent templates list'"
        case .input(let m), .usage(let m):
            return m
        case .integrity(let m):
            return "pack integrity: " + m
        }
    }

    public var description: String { message }

    /// The issues of an `.invalid` error, else a single issue with the message.
    public var issues: [TemplateIssue] {
        if case .invalid(let list) = self { return list }
        return [TemplateIssue(file: "", line: nil, problem: message)]
    }
}
