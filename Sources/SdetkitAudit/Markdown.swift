extension AuditReport {
    /// How many findings the "Top findings" section of ``markdown()`` lists.
    public static let topFindingsLimit = 10

    /// A readable Markdown report: score, totals by severity and by rule (``AuditTotals``), the top findings
    /// across files, a table of every finding and remediation per rule.
    /// Every value taken from the repository is escaped (`|`, `<`, `>`, `&`, backslashes, line breaks).
    public func markdown() -> String {
        var out = "# sdetkit audit\n\n"
        out += "**Score: \(scoreText) / 10** · profile `\(profile.rawValue)` · \(filesScanned) files, "
            + "\(bytesScanned) bytes scanned"
        if suppressedByBaseline > 0 { out += " · \(suppressedByBaseline) findings suppressed by the baseline" }
        let totals = AuditTotals(findings: findings)
        out += "\n\n## Findings by severity\n\n" + totals.severityTableMarkdown() + "\n"

        guard !findings.isEmpty else {
            out += "No findings.\n"
            return out
        }
        out += "## Findings by rule\n\n" + totals.ruleTableMarkdown() + "\n"
        out += "## Top findings\n\nThe most severe findings, at most \(Self.topFindingsLimit), taken across files: every file "
            + "gives its most severe finding before any file gives a second.\n\n"
            + AuditTotals.findingsTableMarkdown(AuditTotals.topFindings(findings, limit: Self.topFindingsLimit)) + "\n"
        out += "## Findings\n\n| Severity | Rule | Location | Message |\n|---|---|---|---|\n"
        for f in findings {
            out += "| \(f.severity.rawValue) | \(Self.escape(f.ruleID)) | \(Self.escape(f.location)) | \(Self.escape(f.message)) |\n"
        }
        out += "\n## Remediation\n\n"
        var seen = Set<String>()
        for f in findings where seen.insert(f.ruleID).inserted {
            let title = rules.first { $0.id == f.ruleID }?.title
            out += "- **\(Self.escape(f.ruleID))**" + (title.map { " (\(Self.escape($0)))" } ?? "")
                + ": \(Self.escape(f.remediation))\n"
        }
        return out
    }

    /// Escapes text for a Markdown table cell.
    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for c in s {
            switch c {
            case "|": out += "\\|"
            case "\\": out += "\\\\"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "\n", "\r", "\r\n", "\t": out += " "
            case "`": out += "\\`"
            default: out.append(c)
            }
        }
        return out
    }
}
