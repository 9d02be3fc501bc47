/// The rule catalogue: every rule, its severity per profile, description and remediation.
public enum AuditCatalogue {
    public static let informationURI = "https://github.com/sdetkit/sdetkit"
    static let helpURI = informationURI + "/blob/main/docs/audit.md#rules"

    /// Every rule active in `profile`, in catalogue order (governance, secrets, files, content, actions).
    /// SARIF `ruleIndex` values index this array.
    public static func rules(for profile: AuditProfile) -> [AuditRule] {
        var out: [AuditRule] = []
        for g in GovernanceCheck.all {
            if let rule = g.rule(for: profile) { out.append(rule) }
        }
        out += SecretRule.all.map(\.rule)
        out += [largeFile, binaryFile, notScanned, archiveNotScanned, conflictMarker]
        out += workflowRules
        return out
    }

    /// All rule ids across every profile, sorted.
    public static var allRuleIDs: [String] {
        Set(AuditProfile.allCases.flatMap { rules(for: $0).map(\.id) }).sorted()
    }

    /// Every keyword of the content scan's pre-filter (secret rules, conflict markers, allow markers), sorted and
    /// without repeats: what a line must contain before any rule's regex runs. `scripts/bench.sh` gives the same
    /// list to `git grep` for its comparison.
    package static var prefilterKeywords: [String] {
        var words = Set(SecretRule.all.flatMap { $0.keywords.map(\.0) })
        words.formUnion(["<<<<<<<", ">>>>>>>"] + ScanContext.allowMarkers)
        return words.filter { $0.utf8.count >= 2 }.sorted()
    }

    static func rule(_ id: String, _ title: String, _ severity: Severity, _ description: String,
                     _ remediation: String, security: Bool = false) -> AuditRule {
        AuditRule(id: id, title: title, severity: severity, description: description, remediation: remediation,
                  helpURI: helpURI, isSecurity: security)
    }

    /// Files above this size are reported (5 MiB).
    public static let largeFileLimit: Int64 = 5 * 1024 * 1024
    /// Files above this size are not content-scanned (1 MiB).
    public static let contentScanLimit = 1024 * 1024
    /// Text files above ``contentScanLimit`` are scanned by streaming up to this size (64 MiB); larger ones get
    /// a `files.not-scanned` info finding.
    public static let streamScanLimit: Int64 = 64 * 1024 * 1024
    /// NUL bytes are looked for in this many leading bytes.
    public static let binaryProbe = 8 * 1024

    static let largeFile = rule(
        "files.large-file", "Large tracked file", .medium,
        "A tracked file is larger than 5 MiB. Large files bloat every clone and are better kept out of git.",
        "Remove the file from git (git rm --cached), ignore it, and store it with Git LFS or an artifact store.")
    static let binaryFile = rule(
        "files.binary", "Committed binary artifact", .low,
        "A tracked file is a build artifact, archive, executable, library or keystore (by extension, or a NUL "
            + "byte in its first 8 KiB). Images, fonts, audio/video and PDF files are not reported.",
        "Build binaries in CI instead of committing them; keep archives in a release or artifact store.")
    static let conflictMarker = rule(
        "content.merge-conflict-marker", "Merge-conflict marker", .medium,
        "A line starts with an unresolved merge-conflict marker (seven '<' or '>' followed by a space or the "
            + "end of the line).",
        "Resolve the conflict and remove the marker lines before committing.")
    static let prTargetCheckout = rule(
        "actions.pr-target-untrusted-checkout", "pull_request_target checks out untrusted code", .critical,
        "A GitHub Actions workflow triggered by pull_request_target checks out the pull request's head. The job "
            + "runs untrusted code with the base repository's secrets and a write token.",
        "Use the pull_request trigger for building untrusted code, or do not check out the PR head in "
            + "pull_request_target workflows; never run its scripts with secrets available.", security: true)
    static let writeAllPermissions = rule(
        "actions.write-all-permissions", "Workflow grants write-all permissions", .high,
        "A workflow or job sets 'permissions: write-all', giving its GITHUB_TOKEN write access to everything.",
        "Declare the least permissions needed, e.g. 'permissions: contents: read' at the top of the workflow "
            + "and extra scopes per job.", security: true)
    static let unpinnedAction = rule(
        "actions.unpinned-action", "Action not pinned to a commit SHA", .medium,
        "A workflow 'uses:' an action or reusable workflow by tag or branch instead of a full 40-character "
            + "commit SHA (docker:// images without an @sha256 digest too). A moved tag silently changes the code "
            + "that runs with your secrets. The default profile exempts GitHub-owned actions (actions/*, github/*).",
        "Pin to the full commit SHA and keep the tag as a comment: 'uses: owner/action@<40-hex-sha> # v4.1.0'; "
            + "let Dependabot or Renovate update the pins.", security: true)
}

/// A governance file the repository should have.
struct GovernanceCheck: Sendable {
    enum Matcher: Sendable {
        /// Basename stem (before the first '.') in the root, docs/ or .github/, case-insensitive; a stem may also
        /// be followed by '-' or '_' and a suffix when `allowSuffix` (LICENSE-MIT).
        case stems([String], allowSuffix: Bool)
        /// Exact repo-relative paths (case-insensitive) or any file under one of the directory prefixes.
        case paths(exact: [String], prefixes: [String])
        /// Either of two matchers.
        indirect case any(Matcher, Matcher)
    }

    let id: String
    let title: String
    let description: String
    let remediation: String
    /// nil: not checked in the default profile.
    let defaultSeverity: Severity?
    let enterpriseSeverity: Severity
    /// Where the file is expected (SARIF location of the finding).
    let expected: String
    let matcher: Matcher

    func rule(for profile: AuditProfile) -> AuditRule? {
        let severity: Severity?
        switch profile {
        case .default: severity = defaultSeverity
        case .enterprise: severity = enterpriseSeverity
        }
        guard let severity else { return nil }
        return AuditCatalogue.rule(id, title, severity, description, remediation)
    }

    static let governanceDirs = ["", "docs/", ".github/"]

    static let all: [GovernanceCheck] = [
        GovernanceCheck(
            id: "governance.missing-readme", title: "No README",
            description: "The repository has no README (README, README.md, readme.rst, … in the root, docs/ or .github/).",
            remediation: "Add a README.md that says what the project is, how to build it and how to use it.",
            defaultSeverity: .medium, enterpriseSeverity: .medium, expected: "README.md",
            matcher: .stems(["readme"], allowSuffix: false)),
        GovernanceCheck(
            id: "governance.missing-license", title: "No license",
            description: "The repository has no LICENSE, LICENCE or COPYING file, so others have no right to use it.",
            remediation: "Add a LICENSE file with the project's license text (see https://choosealicense.com).",
            defaultSeverity: .high, enterpriseSeverity: .high, expected: "LICENSE",
            matcher: .stems(["license", "licence", "copying", "unlicense"], allowSuffix: true)),
        GovernanceCheck(
            id: "governance.missing-security-policy", title: "No security policy",
            description: "The repository has no SECURITY.md telling people how to report a vulnerability privately.",
            remediation: "Add SECURITY.md with a private reporting channel and the supported versions.",
            defaultSeverity: .medium, enterpriseSeverity: .high, expected: "SECURITY.md",
            matcher: .stems(["security"], allowSuffix: false)),
        GovernanceCheck(
            id: "governance.missing-gitignore", title: "No .gitignore",
            description: "The repository root has no .gitignore, so build outputs and local files are easily committed.",
            remediation: "Add a .gitignore for the project's languages and tools (build dirs, caches, .env files).",
            defaultSeverity: .low, enterpriseSeverity: .low, expected: ".gitignore",
            matcher: .paths(exact: [".gitignore"], prefixes: [])),
        GovernanceCheck(
            id: "governance.missing-ci", title: "No CI configuration",
            description: "No continuous-integration configuration was found (.github/workflows/*.yml, .gitlab-ci.yml, "
                + ".circleci/config.yml, Jenkinsfile, azure-pipelines.yml, .travis.yml, …).",
            remediation: "Add a CI workflow that builds and tests every change, e.g. .github/workflows/ci.yml.",
            defaultSeverity: .medium, enterpriseSeverity: .high, expected: ".github/workflows",
            matcher: .paths(exact: [
                ".gitlab-ci.yml", ".gitlab-ci.yaml", ".circleci/config.yml", ".circleci/config.yaml", "jenkinsfile",
                "azure-pipelines.yml", "azure-pipelines.yaml", ".azure-pipelines.yml", ".travis.yml",
                "bitbucket-pipelines.yml", ".drone.yml", "appveyor.yml", ".appveyor.yml", ".buildkite/pipeline.yml",
                ".woodpecker.yml", ".cirrus.yml", "cloudbuild.yaml", "cloudbuild.yml", "codefresh.yml",
            ], prefixes: [".github/workflows/", ".woodpecker/", ".buildkite/", ".azure-pipelines/"])),
        GovernanceCheck(
            id: "governance.missing-contributing", title: "No contributing guide",
            description: "The repository has no CONTRIBUTING file explaining how to propose changes.",
            remediation: "Add CONTRIBUTING.md: how to set up, test, and submit a change; review expectations.",
            defaultSeverity: nil, enterpriseSeverity: .low, expected: "CONTRIBUTING.md",
            matcher: .stems(["contributing"], allowSuffix: false)),
        GovernanceCheck(
            id: "governance.missing-code-of-conduct", title: "No code of conduct",
            description: "The repository has no CODE_OF_CONDUCT file.",
            remediation: "Add CODE_OF_CONDUCT.md (for example the Contributor Covenant) with an enforcement contact.",
            defaultSeverity: nil, enterpriseSeverity: .low, expected: "CODE_OF_CONDUCT.md",
            matcher: .stems(["code_of_conduct", "code-of-conduct"], allowSuffix: false)),
        GovernanceCheck(
            id: "governance.missing-codeowners", title: "No CODEOWNERS",
            description: "The repository has no CODEOWNERS file (root, docs/ or .github/), so no review owner is required.",
            remediation: "Add .github/CODEOWNERS mapping paths to responsible teams and require their review.",
            defaultSeverity: nil, enterpriseSeverity: .medium, expected: ".github/CODEOWNERS",
            matcher: .stems(["codeowners"], allowSuffix: false)),
        GovernanceCheck(
            id: "governance.missing-changelog", title: "No changelog",
            description: "The repository has no CHANGELOG (or CHANGES, HISTORY, NEWS) file.",
            remediation: "Add CHANGELOG.md and record user-visible changes per release (see https://keepachangelog.com).",
            defaultSeverity: nil, enterpriseSeverity: .low, expected: "CHANGELOG.md",
            matcher: .stems(["changelog", "changes", "history", "news"], allowSuffix: false)),
        GovernanceCheck(
            id: "governance.missing-issue-template", title: "No issue template",
            description: "The repository has no issue template (.github/ISSUE_TEMPLATE/* or ISSUE_TEMPLATE.md).",
            remediation: "Add .github/ISSUE_TEMPLATE/ with bug-report and feature-request forms.",
            defaultSeverity: nil, enterpriseSeverity: .low, expected: ".github/ISSUE_TEMPLATE",
            matcher: .any(.stems(["issue_template"], allowSuffix: false),
                          .paths(exact: [], prefixes: [".github/issue_template/"]))),
        GovernanceCheck(
            id: "governance.missing-pr-template", title: "No pull-request template",
            description: "The repository has no pull-request template (.github/pull_request_template.md or "
                + ".github/PULL_REQUEST_TEMPLATE/*).",
            remediation: "Add .github/pull_request_template.md with a checklist (tests, docs, changelog).",
            defaultSeverity: nil, enterpriseSeverity: .low, expected: ".github/pull_request_template.md",
            matcher: .any(.stems(["pull_request_template"], allowSuffix: false),
                          .paths(exact: [], prefixes: [".github/pull_request_template/"]))),
    ]

}
