import SdetkitCore

/// What the policy admits, as plain values (the engine does not read configuration itself).
public struct PolicySettings: Sendable, Hashable {
    /// Repo-relative directories that writes may go into, e.g. `[".sdetkit/agent/workdir", "docs"]`.
    public var writeAllowlist: [String]
    /// Argv prefixes a command must start with, e.g. `[["git", "status"], ["sleep"]]`.
    public var shellAllowlist: [[String]]

    public init(writeAllowlist: [String], shellAllowlist: [[String]]) {
        self.writeAllowlist = writeAllowlist
        self.shellAllowlist = shellAllowlist
    }
}

/// How an action that needs approval gets it.
public enum ApprovalMode: Sendable {
    /// `--approve`: everything that needs approval is approved.
    case granted
    /// No approval is possible (no TTY, CI, server): what needs approval is denied.
    case nonInteractive
    /// Ask a person: the closure gets a one-line question and returns true for yes.
    case prompt(@Sendable (String) -> Bool)
}

/// The verdict on a file write or read.
public struct WriteDecision: Sendable, Hashable {
    public var allowed: Bool
    /// The repo-relative path the request resolves to (symbolic links followed), when it resolves inside the
    /// repository. Callers write to (or read) exactly this path.
    public var resolvedRelativePath: String?
    /// True when the path rules admit the target but the write still needs approval (outside the workdir).
    public var needsApproval: Bool
    public var approval: ApprovalState
    /// One line for people: why allowed or denied.
    public var reason: String

    public init(allowed: Bool, resolvedRelativePath: String?, needsApproval: Bool, approval: ApprovalState, reason: String) {
        self.allowed = allowed
        self.resolvedRelativePath = resolvedRelativePath
        self.needsApproval = needsApproval
        self.approval = approval
        self.reason = reason
    }
}

/// The verdict on running a command.
public struct CommandDecision: Sendable, Hashable {
    public var allowed: Bool
    /// The argv to execute (split from `cmd`, or the given argv). Empty when the command could not be split.
    public var argv: [String]
    public var approval: ApprovalState
    public var reason: String

    public init(allowed: Bool, argv: [String], approval: ApprovalState, reason: String) {
        self.allowed = allowed
        self.argv = argv
        self.approval = approval
        self.reason = reason
    }
}

/// Errors of the policy module. Command-splitting errors are input errors; `denied` is for callers that
/// turn a denial into a thrown error.
public enum PolicyError: UserFacingError, Equatable, CustomStringConvertible {
    /// An unquoted shell metacharacter (or a newline) in a command string.
    case shellSyntax(String)
    /// A quote that is never closed; the payload is the quote character.
    case unterminatedQuote(String)
    /// A backslash at the very end of a command string.
    case trailingBackslash
    /// A NUL byte in a command string.
    case nulByte
    /// An action refused by policy.
    case denied(String)
    /// The audit log could not be written or synced; the payload says why.
    case auditLog(String)

    public var message: String {
        switch self {
        case .shellSyntax(let s):
            return "shell syntax '\(s)' is not supported: commands never run through a shell; pass argv instead"
        case .unterminatedQuote(let q):
            let name = q == "'" ? "single" : "double"
            return "unterminated \(name) quote (\(q)) in command: close the quote, or pass argv instead"
        case .trailingBackslash:
            return "command ends with a backslash that escapes nothing: remove it, or pass argv instead"
        case .nulByte:
            return "command contains a NUL byte: pass argv instead"
        case .denied(let reason):
            return "denied by policy: \(reason)"
        case .auditLog(let why):
            return why + "; the run was not recorded: free disk space or fix the permissions of .sdetkit/agent"
        }
    }

    public var exitStatus: ExitStatus {
        if case .denied = self { return .runFailed }
        return .usage
    }

    public var description: String { message }
}

extension WriteDecision {
    /// Throws ``PolicyError/denied(_:)`` unless allowed; returns the resolved repo-relative path.
    public func requireAllowed() throws(PolicyError) -> String {
        guard allowed, let rel = resolvedRelativePath else { throw PolicyError.denied(reason) }
        return rel
    }
}

extension CommandDecision {
    /// Throws ``PolicyError/denied(_:)`` unless allowed; returns the argv to run.
    public func requireAllowed() throws(PolicyError) -> [String] {
        guard allowed else { throw PolicyError.denied(reason) }
        return argv
    }
}
