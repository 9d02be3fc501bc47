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

    /// `FILE:LINE: problem` (or `FILE: problem` when the line is unknown).
    public var text: String { line.map { "\(file):\($0): \(problem)" } ?? "\(file): \(problem)" }
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
