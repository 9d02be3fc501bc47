import SdetkitCore

/// The result of an audit. Holds no absolute paths and no secrets; its JSON, SARIF and Markdown forms are
/// deterministic for the same input.
public struct AuditReport: Sendable {
    public static let schema = "sdetkit.audit/v1"

    public var profile: AuditProfile
    /// 0–10, one decimal (docs/audit.md "Score").
    public var score: Double
    /// In report order: severity (most severe first), path, line, rule id.
    public var findings: [Finding]
    /// Tracked files examined (present on disk, not symlinks or submodules, inside `--changed-since` scope).
    public var filesScanned: Int
    /// Bytes of file content run through the content rules.
    public var bytesScanned: Int
    /// The rule catalogue of the profile (SARIF `driver.rules`).
    public var rules: [AuditRule]
    /// Findings left out because their fingerprint is in a baseline.
    public var suppressedByBaseline: Int
    /// A tracked file repository-level findings point at in SARIF (code scanning needs a location that exists):
    /// the README, else .gitignore, else the first tracked path. Not part of the JSON report.
    public var repositoryAnchor: String?

    public init(profile: AuditProfile, score: Double, findings: [Finding], filesScanned: Int, bytesScanned: Int,
                rules: [AuditRule], suppressedByBaseline: Int = 0, repositoryAnchor: String? = nil) {
        self.repositoryAnchor = repositoryAnchor
        self.profile = profile
        self.score = score
        self.findings = findings
        self.filesScanned = filesScanned
        self.bytesScanned = bytesScanned
        self.rules = rules
        self.suppressedByBaseline = suppressedByBaseline
    }

    /// Number of findings per severity.
    public var counts: [Severity: Int] {
        var out: [Severity: Int] = [:]
        for s in Severity.allCases { out[s] = 0 }
        for f in findings { out[f.severity, default: 0] += 1 }
        return out
    }

    /// The most severe finding's severity, nil when there are none (for exit-code policies).
    public var worstSeverity: Severity? { findings.map(\.severity).max() }

    /// `{"schema":"sdetkit.audit/v1","profile","score","tool","summary":{…},"findings":[…]}`.
    public var json: JSONValue {
        var summary: [String: JSONValue] = [:]
        let counts = self.counts
        for s in Severity.allCases { summary[s.rawValue] = .int(counts[s] ?? 0) }
        summary["total"] = .int(findings.count)
        summary["files_scanned"] = .int(filesScanned)
        summary["bytes_scanned"] = .int(bytesScanned)
        summary["suppressed_by_baseline"] = .int(suppressedByBaseline)
        return [
            "schema": .string(Self.schema),
            "tool": ["name": .string(ToolInfo.name), "version": .string(ToolInfo.version)],
            "profile": .string(profile.rawValue),
            "score": .number(score),
            "summary": .object(summary),
            "findings": .array(findings.map(\.json)),
        ]
    }

    /// The score as text with one decimal ("7.5", "10.0").
    public var scoreText: String {
        let tenths = Int((score * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}
