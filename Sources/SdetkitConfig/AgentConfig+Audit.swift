import SdetkitCore

extension AgentConfig {
    /// Settings of `repo.audit` (`sdetkit agent audit`, the demo's audits), the `audit:` section (docs/config.md,
    /// docs/audit.md "Suppressing and excluding"). Part of ``AgentConfig/digest`` when it is not the default.
    public struct Audit: Sendable, Hashable {
        /// The most severe a content finding in a test, fixture or example path can be.
        public enum TestSeverity: String, Sendable, CaseIterable {
            case critical, high, medium, low, info
        }

        /// Paths left out of content and file checks, in gitignore syntax (read before `.sdetkit/audit-ignore`,
        /// whose patterns, `!` re-includes included, come after them).
        public var exclude: [String]
        /// Content findings in test paths are lowered to at most this (default `low`; `critical` keeps them as they are).
        public var testMaxSeverity: TestSeverity

        public init(exclude: [String] = [], testMaxSeverity: TestSeverity = .low) {
            self.exclude = exclude
            self.testMaxSeverity = testMaxSeverity
        }

        public static let defaults = Audit()

        /// Most `exclude` patterns, and most bytes in one.
        public static let maxPatterns = 1000
        public static let maxPatternBytes = 1024

        public var json: JSONValue {
            ["exclude": .array(exclude.map { .string($0) }), "test_max_severity": .string(testMaxSeverity.rawValue)]
        }
    }
}

/// Reading the `audit:` section.
extension ConfigLoader {
    static let auditKeys = ["exclude", "test_max_severity"]

    static func readAudit(_ section: Member, _ r: ConfigReader) throws(ConfigError) -> AgentConfig.Audit {
        var a = AgentConfig.Audit.defaults
        var none: [String] = []
        for m in try r.members(of: section.value, path: "audit", line: section.line, allowed: auditKeys, ignored: &none) {
            if m.name == "exclude" {
                let requirement = "a list of paths or patterns in gitignore syntax, such as 'vendor/' or '*.min.js'"
                let items = try r.list(m, requirement: requirement)
                guard items.count <= AgentConfig.Audit.maxPatterns else {
                    throw r.invalid(m, "has \(items.count) patterns; at most \(AgentConfig.Audit.maxPatterns) are read (use .sdetkit/audit-ignore for more)")
                }
                var patterns: [String] = []
                for (i, node) in items.enumerated() {
                    let line = node.line
                    let p = try r.text(node, line: line, path: "\(m.path)[\(i)]", requirement: requirement)
                    guard p.utf8.count <= AgentConfig.Audit.maxPatternBytes, !p.contains("\n") else {
                        throw r.invalid(line, "\(m.path)[\(i)]", "must be one line of at most \(AgentConfig.Audit.maxPatternBytes) bytes")
                    }
                    patterns.append(p)
                }
                a.exclude = patterns
            } else {
                let names = AgentConfig.Audit.TestSeverity.allCases.map(\.rawValue)
                let v = try r.text(m, requirement: "one of " + names.joined(separator: ", "))
                guard let s = AgentConfig.Audit.TestSeverity(rawValue: v) else {
                    throw r.invalid(m, "must be one of \(names.joined(separator: ", ")), got '\(v.prefix(40))' (critical keeps test findings as they are)")
                }
                a.testMaxSeverity = s
            }
        }
        return a
    }
}
