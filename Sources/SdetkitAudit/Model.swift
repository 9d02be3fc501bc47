import SdetkitCore

/// Which rule set an audit applies. `enterprise` adds stricter governance rules and raises some severities.
public enum AuditProfile: String, Sendable, CaseIterable {
    case `default`
    case enterprise
}

/// How serious a finding is. Weights follow the OpenSSF Scorecard risk weights.
public enum Severity: String, Sendable, CaseIterable, Comparable {
    case critical, high, medium, low, info

    /// Risk weight used by the score (docs/audit.md).
    public var weight: Double {
        switch self {
        case .critical: return 10
        case .high: return 7.5
        case .medium: return 5
        case .low: return 2.5
        case .info: return 0
        }
    }

    /// 4 for critical … 0 for info.
    public var rank: Int {
        switch self {
        case .critical: return 4
        case .high: return 3
        case .medium: return 2
        case .low: return 1
        case .info: return 0
        }
    }

    /// SARIF result level.
    public var sarifLevel: String {
        switch self {
        case .critical, .high: return "error"
        case .medium: return "warning"
        case .low, .info: return "note"
        }
    }

    /// GitHub code scanning `security-severity` (a CVSS-like score as text).
    public var securitySeverity: String? {
        switch self {
        case .critical: return "9.5"
        case .high: return "8.0"
        case .medium: return "5.5"
        case .low: return "2.5"
        case .info: return nil
        }
    }

    public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
}

/// One entry of the rule catalogue (for SARIF `driver.rules` and the documentation).
public struct AuditRule: Sendable, Hashable {
    /// Stable identifier, e.g. `secrets.aws-access-key-id`.
    public var id: String
    public var title: String
    /// Severity in the profile the catalogue was built for.
    public var severity: Severity
    public var description: String
    public var remediation: String
    public var helpURI: String?
    /// Security rules carry a `security-severity` in SARIF.
    public var isSecurity: Bool

    public init(id: String, title: String, severity: Severity, description: String, remediation: String,
                helpURI: String? = nil, isSecurity: Bool = false) {
        self.id = id
        self.title = title
        self.severity = severity
        self.description = description
        self.remediation = remediation
        self.helpURI = helpURI
        self.isSecurity = isSecurity
    }
}

/// One problem found. Repository-level findings (a missing file) have `path == nil` and `line == nil`.
/// Messages never contain a secret: matched values are redacted to at most 4 characters + `…[REDACTED]`.
public struct Finding: Sendable, Hashable {
    public var ruleID: String
    public var severity: Severity
    /// Repo-relative path with `/` separators; nil for a repository-level finding.
    public var path: String?
    /// 1-based line; nil for file- and repository-level findings.
    public var line: Int?
    public var message: String
    public var remediation: String
    /// Stable identity across unrelated edits (docs/audit.md "Fingerprints").
    public var fingerprint: String
    /// `"test"` for a content finding under a test, fixture or example path (its severity is lowered to at most
    /// low); nil otherwise.
    public var context: String?

    public init(ruleID: String, severity: Severity, path: String?, line: Int?, message: String,
                remediation: String, fingerprint: String, context: String? = nil) {
        self.context = context
        self.ruleID = ruleID
        self.severity = severity
        self.path = path
        self.line = line
        self.message = message
        self.remediation = remediation
        self.fingerprint = fingerprint
    }

    /// `{"rule_id","severity","path","line","message","remediation","fingerprint"}`; a repository-level
    /// finding has `"path": "."` and `"line": null`.
    public var json: JSONValue {
        var o: [String: JSONValue] = [
            "rule_id": .string(ruleID),
            "severity": .string(severity.rawValue),
            "path": .string(path ?? "."),
            "line": line.map { JSONValue.int($0) } ?? .null,
            "message": .string(message),
            "remediation": .string(remediation),
            "fingerprint": .string(fingerprint),
        ]
        if let context { o["context"] = .string(context) }
        return .object(o)
    }

    /// Deterministic report order: severity (most severe first), path, line, rule id, then message.
    static func reportOrder(_ a: Finding, _ b: Finding) -> Bool {
        if a.severity != b.severity { return a.severity > b.severity }
        let pa = a.path ?? "", pb = b.path ?? ""
        if pa != pb { return pa < pb }
        let la = a.line ?? 0, lb = b.line ?? 0
        if la != lb { return la < lb }
        if a.ruleID != b.ruleID { return a.ruleID < b.ruleID }
        if a.message != b.message { return a.message < b.message }
        return a.fingerprint < b.fingerprint
    }
}

/// A tracked file as the audit sees it (what git's index says about it).
public struct AuditFile: Sendable, Hashable {
    /// Repo-relative path with `/` separators.
    public var path: String
    /// Size recorded by git; the audit prefers the work-tree size when the file exists on disk.
    public var size: Int64
    public var isSymlink: Bool
    public var isSubmodule: Bool

    public init(path: String, size: Int64, isSymlink: Bool = false, isSubmodule: Bool = false) {
        self.path = path
        self.size = size
        self.isSymlink = isSymlink
        self.isSubmodule = isSubmodule
    }
}

/// Where file contents come from.
public enum AuditContentSource: Sendable {
    /// Read each tracked path from the working tree under `AuditInput.repoRoot` (a missing file is skipped).
    case workingTree
    /// In-memory contents by repo-relative path (tests, demos); a path without content is skipped.
    case memory([String: [UInt8]])
}

/// Everything an audit needs: the tracked files and where to read them. No git access happens during a scan.
public struct AuditInput: Sendable {
    /// Absolute path of the work tree root (never written to any output).
    public var repoRoot: String
    /// Every tracked file (governance rules look at all of them).
    public var files: [AuditFile]
    /// When set (`--changed-since`), only these paths are content-scanned and checked by file rules.
    public var onlyPaths: Set<String>?
    public var content: AuditContentSource

    public init(repoRoot: String, files: [AuditFile], onlyPaths: Set<String>? = nil,
                content: AuditContentSource = .workingTree) {
        self.repoRoot = repoRoot
        self.files = files
        self.onlyPaths = onlyPaths
        self.content = content
    }

    /// An input whose files live in memory, keyed by repo-relative path.
    public static func inMemory(_ contents: [String: [UInt8]], onlyPaths: Set<String>? = nil) -> AuditInput {
        let files = contents.keys.sorted().map { AuditFile(path: $0, size: Int64(contents[$0]?.count ?? 0)) }
        return AuditInput(repoRoot: "", files: files, onlyPaths: onlyPaths, content: .memory(contents))
    }

    /// Same as ``inMemory(_:onlyPaths:)`` with UTF-8 text contents.
    public static func inMemory(text: [String: String], onlyPaths: Set<String>? = nil) -> AuditInput {
        inMemory(text.mapValues { Array($0.utf8) }, onlyPaths: onlyPaths)
    }
}

/// Errors of the audit library, written for users.
public enum AuditError: UserFacingError, Equatable {
    /// The baseline file cannot be read.
    case baselineUnreadable(path: String, reason: String)
    /// The baseline file is not an sdetkit audit JSON report or SARIF log.
    case baselineInvalid(path: String, reason: String)

    public var message: String {
        switch self {
        case .baselineUnreadable(let path, let reason):
            return "cannot read baseline \(path): \(reason); pass a JSON or SARIF report written by 'sdetkit audit'"
        case .baselineInvalid(let path, let reason):
            return "baseline \(path) is not an sdetkit audit report (\(reason)); "
                + "pass a file written by 'sdetkit audit --format json' or '--format sarif'"
        }
    }

    public var exitStatus: ExitStatus { .usage }
}

/// How an audit treats paths (`audit:` in config.yaml).
public struct AuditOptions: Sendable, Equatable {
    /// Excluded paths, in gitignore syntax; read before `.sdetkit/audit-ignore`.
    public var exclude: [String]
    /// The most severe a content finding in a test, fixture or example path can be.
    public var testMaxSeverity: Severity

    public init(exclude: [String] = [], testMaxSeverity: Severity = .low) {
        self.exclude = exclude
        self.testMaxSeverity = testMaxSeverity
    }
}
