import SdetkitCore

/// Totals of a list of findings — by severity and by rule — and a short "top findings" list chosen across
/// files. One implementation for every report that summarises an audit (`audit.md`, the demo's `summary.md`),
/// so they cannot disagree. Deterministic: the same findings in any order give the same totals and the same
/// top list.
public struct AuditTotals: Sendable, Equatable {
    /// The findings of one rule.
    public struct RuleTotal: Sendable, Equatable {
        public var ruleID: String
        /// The most severe of the rule's findings (a finding under a test path can be less severe than the
        /// rule's catalogue severity).
        public var severity: Severity
        public var count: Int
        /// Distinct files with at least one finding of the rule (repository-level findings count no file).
        public var files: Int
        /// At least one finding of the rule is repository-level (no path).
        public var repositoryLevel: Bool

        public init(ruleID: String, severity: Severity, count: Int, files: Int, repositoryLevel: Bool) {
            self.ruleID = ruleID
            self.severity = severity
            self.count = count
            self.files = files
            self.repositoryLevel = repositoryLevel
        }
    }

    /// Every severity, most severe first, with its count (0 included).
    public var bySeverity: [(severity: Severity, count: Int)]
    /// One entry per rule that fired: most severe first, then most findings, then rule id.
    public var byRule: [RuleTotal]
    public var total: Int

    public init(findings: [Finding]) {
        var counts: [Severity: Int] = [:]
        var rules: [String: (severity: Severity, count: Int, files: Set<String>, repo: Bool)] = [:]
        for f in findings {
            counts[f.severity, default: 0] += 1
            var r = rules[f.ruleID] ?? (f.severity, 0, [], false)
            r.severity = max(r.severity, f.severity)
            r.count += 1
            if let p = f.path { r.files.insert(p) } else { r.repo = true }
            rules[f.ruleID] = r
        }
        bySeverity = Severity.allCases.sorted { $0 > $1 }.map { ($0, counts[$0] ?? 0) }
        byRule = rules.map { RuleTotal(ruleID: $0.key, severity: $0.value.severity, count: $0.value.count,
                                       files: $0.value.files.count, repositoryLevel: $0.value.repo) }
            .sorted { a, b in
                if a.severity != b.severity { return a.severity > b.severity }
                if a.count != b.count { return a.count > b.count }
                return a.ruleID < b.ruleID
            }
        total = findings.count
    }

    public func count(_ severity: Severity) -> Int {
        bySeverity.first { $0.severity == severity }?.count ?? 0
    }

    public static func == (a: AuditTotals, b: AuditTotals) -> Bool {
        a.total == b.total && a.byRule == b.byRule
            && a.bySeverity.map(\.severity) == b.bySeverity.map(\.severity)
            && a.bySeverity.map(\.count) == b.bySeverity.map(\.count)
    }

    /// Order of the top list: severity (most severe first), rule id, path (repository-level first), line,
    /// then message and fingerprint so that equal-looking findings still sort the same way every time.
    public static func topOrder(_ a: Finding, _ b: Finding) -> Bool {
        if a.severity != b.severity { return a.severity > b.severity }
        if a.ruleID != b.ruleID { return a.ruleID < b.ruleID }
        let pa = a.path ?? "", pb = b.path ?? ""
        if pa != pb { return pa < pb }
        let la = a.line ?? 0, lb = b.line ?? 0
        if la != lb { return la < lb }
        if a.message != b.message { return a.message < b.message }
        return a.fingerprint < b.fingerprint
    }

    /// At most `limit` findings chosen across files: every file (repository-level findings count as one
    /// "file") gives its most severe finding before any file gives a second one, and so on, so one noisy file
    /// cannot fill the list while another file has findings. Within each round the most severe finding wins
    /// (``topOrder(_:_:)``); the result is in ``topOrder(_:_:)``.
    public static func topFindings(_ findings: [Finding], limit: Int = 5) -> [Finding] {
        guard limit > 0, !findings.isEmpty else { return [] }
        var byFile: [String: [Finding]] = [:]
        for f in findings { byFile[f.path.map { "/" + $0 } ?? "", default: []].append(f) }
        let queues = byFile.values.map { $0.sorted(by: topOrder) }
        var chosen: [Finding] = []
        var round = 0
        while chosen.count < limit {
            let candidates = queues.compactMap { round < $0.count ? $0[round] : nil }.sorted(by: topOrder)
            if candidates.isEmpty { break }
            chosen += candidates.prefix(limit - chosen.count)
            round += 1
        }
        return chosen.sorted(by: topOrder)
    }

    // MARK: Markdown

    /// `| Severity | Findings |` with every severity (zero rows included) and a total row.
    public func severityTableMarkdown() -> String {
        var out = "| Severity | Findings |\n|---|---:|\n"
        for s in bySeverity { out += "| \(s.severity.rawValue) | \(s.count) |\n" }
        out += "| **total** | **\(total)** |\n"
        return out
    }

    /// `| Rule | Severity | Findings | Files |`, one row per rule that fired; empty when there are no findings.
    /// Files is the number of distinct files, `(repository)` for a rule with only repository-level findings.
    public func ruleTableMarkdown() -> String {
        guard !byRule.isEmpty else { return "" }
        var out = "| Rule | Severity | Findings | Files |\n|---|---|---:|---:|\n"
        for r in byRule {
            let files = r.files == 0 && r.repositoryLevel ? "(repository)" : "\(r.files)"
            out += "| \(AuditReport.escape(r.ruleID)) | \(r.severity.rawValue) | \(r.count) | \(files) |\n"
        }
        return out
    }

    /// `| Severity | Rule | Location | Message |` for `findings` (e.g. ``topFindings(_:limit:)``), escaped for
    /// table cells; empty when `findings` is.
    public static func findingsTableMarkdown(_ findings: [Finding]) -> String {
        guard !findings.isEmpty else { return "" }
        var out = "| Severity | Rule | Location | Message |\n|---|---|---|---|\n"
        for f in findings {
            out += "| \(f.severity.rawValue) | \(AuditReport.escape(f.ruleID)) | \(AuditReport.escape(f.location)) "
                + "| \(AuditReport.escape(f.message)) |\n"
        }
        return out
    }
}

extension Finding {
    /// `path:line`, `path`, or `(repository)` for a repository-level finding (not escaped).
    public var location: String {
        guard let path else { return "(repository)" }
        return line.map { "\(path):\($0)" } ?? path
    }

    /// Reads a finding back from its JSON form (``json``, as in an `audit.json` report): nil when the rule id or
    /// the severity is missing or unknown. `"path": "."` is a repository-level finding.
    public init?(json: JSONValue) {
        guard let ruleID = json["rule_id"]?.stringValue,
              let severity = json["severity"]?.stringValue.flatMap(Severity.init(rawValue:)) else { return nil }
        let path = json["path"]?.stringValue
        self.init(ruleID: ruleID, severity: severity, path: path == nil || path == "." || path == "" ? nil : path,
                  line: json["line"]?.intValue, message: json["message"]?.stringValue ?? "",
                  remediation: json["remediation"]?.stringValue ?? "",
                  fingerprint: json["fingerprint"]?.stringValue ?? "", context: json["context"]?.stringValue)
    }
}
