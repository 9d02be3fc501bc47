/// A demo scenario: an audit profile and the shipped templates to run, in order.
public struct DemoScenario: Sendable, Hashable {
    public var id: String
    public var title: String
    public var description: String
    public var auditProfile: String
    public var templates: [String]

    public static let all: [DemoScenario] = [
        DemoScenario(
            id: "repo-enterprise-audit", title: "Enterprise repository audit",
            description: "Enterprise-profile audit (JSON, SARIF, Markdown), health and security/governance summaries, dependency inventory, license headers and the release-readiness gate; dashboard in four formats and the history export.",
            auditProfile: "enterprise",
            templates: ["repo-health-audit", "security-governance-summary", "dependency-inventory", "license-header-check", "release-readiness"]),
        DemoScenario(
            id: "quick-health", title: "Quick repository health check",
            description: "Default-profile audit, docs link check and large-file report, with the dashboard and history export.",
            auditProfile: "default",
            templates: ["repo-health-audit", "docs-link-check", "large-file-report"]),
    ]

    public static func named(_ id: String) -> DemoScenario? { all.first { $0.id == id } }
}
