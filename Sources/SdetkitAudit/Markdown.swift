extension AuditReport {
    /// A readable Markdown report: score, counts by severity, a findings table and remediation per rule.
    /// Every value taken from the repository is escaped (`|`, `<`, `>`, `&`, backslashes, line breaks).
    public func markdown() -> String {
        var out = "# sdetkit audit\n\n"
        out += "**Score: \(scoreText) / 10** · profile `\(profile.rawValue)` · \(filesScanned) files, "
            + "\(bytesScanned) bytes scanned"
        if suppressedByBaseline > 0 { out += " · \(suppressedByBaseline) findings suppressed by the baseline" }
        out += "\n\n| Severity | Findings |\n|---|---:|\n"
        let counts = self.counts
        for s in Severity.allCases { out += "| \(s.rawValue) | \(counts[s] ?? 0) |\n" }
        out += "| **total** | **\(findings.count)** |\n\n"

        guard !findings.isEmpty else {
            out += "No findings.\n"
            return out
        }
        out += "## Findings\n\n| Severity | Rule | Location | Message |\n|---|---|---|---|\n"
        for f in findings {
            var location = f.path.map(Self.escape) ?? "(repository)"
            if let line = f.line { location += ":\(line)" }
            out += "| \(f.severity.rawValue) | \(Self.escape(f.ruleID)) | \(location) | \(Self.escape(f.message)) |\n"
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
