/// GitHub Actions audits over a ``WorkflowModel``. Findings are line findings on the workflow file; a line with
/// `sdetkit:allow` or `gitleaks:allow` is not reported.
enum WorkflowRules {
    /// Contexts an outsider controls (a pull request's title, a branch name, an issue comment, …).
    static let untrusted = [
        "github.event.issue.title", "github.event.issue.body", "github.event.pull_request.title",
        "github.event.pull_request.body", "github.event.pull_request.head.ref", "github.event.pull_request.head.label",
        "github.event.pull_request.head.repo.default_branch", "github.event.comment.body", "github.event.review.body",
        "github.event.review_comment.body", "github.event.discussion.title", "github.event.discussion.body",
        "github.event.head_commit.message", "github.event.head_commit.author.", "github.event.commits",
        "github.event.pages", "github.event.workflow_run.head_branch", "github.event.workflow_run.head_commit.",
        "github.event.workflow_run.display_title", "github.event.workflow_run.pull_requests", "github.head_ref",
        "github.event.release.body", "github.event.release.name",
    ]

    /// `${{ … }}` expressions of `text` with their 0-based text line, whitespace removed.
    static func expressions(_ text: String) -> [(expr: String, lineOffset: Int)] {
        var out: [(String, Int)] = []
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var rest = Substring(line)
            while let open = rest.range(of: "${{") {
                let after = rest[open.upperBound...]
                guard let close = after.range(of: "}}") else { break }
                out.append((String(after[..<close.lowerBound].filter { $0 != " " && $0 != "\t" }), i))
                rest = after[close.upperBound...]
            }
        }
        return out
    }

    static func untrustedContext(in expr: String) -> String? {
        untrusted.first { expr.contains($0) }
    }

    /// Events whose workflows run with secrets and a write token on behalf of outside contributions.
    static func dangerousTriggers(_ m: WorkflowModel) -> Set<String> {
        Set(m.triggers.map(\.value)).intersection(["pull_request_target", "workflow_run"])
    }

    static func isCheckout(_ step: WorkflowModel.Step) -> Bool {
        step.uses.map { $0.value.lowercased().hasPrefix("actions/checkout@") || $0.value.lowercased() == "actions/checkout" }
            ?? false
    }

    static func usesAction(_ step: WorkflowModel.Step, _ name: String) -> Bool {
        guard let u = step.uses?.value.lowercased() else { return false }
        return u == name || u.hasPrefix(name + "@")
    }

    /// Every finding of the workflow model (profile decides whether GitHub-owned actions may float).
    static func check(_ m: WorkflowModel, profile: AuditProfile) -> [(AuditRule, Int, String)] {
        var out: [(AuditRule, Int, String)] = []
        func add(_ r: AuditRule, _ line: Int, _ msg: String) { out.append((r, line, msg)) }
        let triggers = Set(m.triggers.map(\.value))
        let dangerous = dangerousTriggers(m)

        // Permissions: write-all, a write-granting top level, defaults while a job writes.
        if let p = m.permissions, p.all == "write-all" {
            add(AuditCatalogue.writeAllPermissions, p.line, "Workflow grants 'permissions: write-all' to the GITHUB_TOKEN")
        } else if let p = m.permissions, !p.writes.isEmpty, m.jobs.count > 1 {
            add(AuditCatalogue.excessivePermissions, p.line,
                "Top-level permissions grant write (\(p.writes.joined(separator: ", "))) to every job; grant it per job")
        }
        let writers = m.jobs.filter { ($0.permissions?.all == "write-all") || !($0.permissions?.writes.isEmpty ?? true) }
        if m.permissions == nil {
            if !writers.isEmpty {
                for job in m.jobs where job.permissions == nil && job.uses == nil {
                    add(AuditCatalogue.excessivePermissions, job.line,
                        "Job '\(job.id)' runs with the repository's default token permissions (no top-level "
                            + "'permissions' while job '\(writers[0].id)' writes)")
                }
            } else if !m.jobs.isEmpty && m.jobs.allSatisfy({ $0.permissions == nil }) {
                add(AuditCatalogue.excessivePermissions, m.jobsLine,
                    "No 'permissions' anywhere: every job gets the repository's default GITHUB_TOKEN permissions")
            }
        }
        for job in m.jobs {
            if let p = job.permissions, p.all == "write-all" {
                add(AuditCatalogue.writeAllPermissions, p.line, "Job '\(job.id)' grants 'permissions: write-all'")
            }
            if let line = job.secretsInherit {
                add(AuditCatalogue.secretsInherit, line,
                    "Job '\(job.id)' passes every secret to '\(job.uses?.value ?? "a reusable workflow")' (secrets: inherit)")
            }
            if let uses = job.uses, let msg = Workflows.unpinnedMessage(uses.value, profile: profile) {
                add(AuditCatalogue.unpinnedAction, uses.line, msg)
            }
            for label in job.runsOn where label.value.lowercased() == "self-hosted" {
                let exposed = !triggers.isDisjoint(with: ["pull_request", "pull_request_target", "issue_comment"])
                add(AuditCatalogue.selfHostedRunner, label.line, "Job '\(job.id)' runs on a self-hosted runner"
                    + (exposed ? " in a workflow that pull requests or comments can trigger" : ""))
            }
            for image in job.images where !image.value.contains("@sha256:") && !image.value.contains("${{") {
                add(AuditCatalogue.unpinnedImages, image.line, "Container image '\(image.value)' is not pinned to an @sha256 digest")
            }
            let insecure = [m.env, job.env] + job.steps.map(\.env)
            for env in insecure {
                if let v = env["ACTIONS_ALLOW_UNSECURE_COMMANDS"], v.value.lowercased() == "true" {
                    add(AuditCatalogue.insecureCommands, v.line, "ACTIONS_ALLOW_UNSECURE_COMMANDS re-enables set-env / add-path")
                }
            }
            let uploads = job.steps.contains { usesAction($0, "actions/upload-artifact") }
            for step in job.steps {
                if let uses = step.uses, let msg = Workflows.unpinnedMessage(uses.value, profile: profile) {
                    add(AuditCatalogue.unpinnedAction, uses.line, msg)
                }
                if isCheckout(step) {
                    for key in ["ref", "repository"] {
                        guard let v = step.with[key] else { continue }
                        let value = v.value.filter { $0 != " " }
                        if triggers.contains("pull_request_target")
                            && (value.contains("github.event.pull_request.head.") || value.contains("github.head_ref")
                                || (key == "ref" && value.contains("refs/pull/"))) {
                            add(AuditCatalogue.prTargetCheckout, v.line,
                                "pull_request_target workflow checks out the pull request head (\(key): \(v.value))")
                        } else if triggers.contains("workflow_run") && value.contains("github.event.workflow_run.head") {
                            add(AuditCatalogue.dangerousTriggers, v.line,
                                "workflow_run workflow checks out the triggering run's code (\(key): \(v.value))")
                        }
                    }
                    let persist = step.with["persist-credentials"]?.value.lowercased()
                    if uploads && persist != "false" {
                        add(AuditCatalogue.artipacked, step.uses?.line ?? step.line,
                            "actions/checkout persists the token in .git/config and job '\(job.id)' uploads artifacts")
                    }
                }
                if let run = step.run { checkRun(run, dangerous: dangerous, add: add) }
                if usesAction(step, "actions/github-script"), let script = step.with["script"] {
                    for (expr, offset) in expressions(script.value) {
                        if let ctx = untrustedContext(in: expr) {
                            add(AuditCatalogue.templateInjection, script.line(ofTextLine: offset),
                                "Untrusted '\(ctx)' is expanded into a github-script script")
                        }
                    }
                }
            }
            if isRelease(m) {
                for step in job.steps where usesCache(step) {
                    add(AuditCatalogue.cachePoisoning, step.uses?.line ?? step.line,
                        "Release workflow restores a cache ('\(step.uses?.value ?? "")'); a poisoned cache reaches the release")
                }
            }
        }
        for s in m.scalars {
            let flat = s.value.filter { $0 != " " }.lowercased()
            if flat.contains("tojson(secrets)") || flat.contains("secrets[") {
                add(AuditCatalogue.overprovisionedSecrets, s.line, "Every secret of the repository is exposed at once (toJSON(secrets) or secrets[…])")
            }
        }
        return out
    }

    static func checkRun(_ run: Located, dangerous: Set<String>, add: (AuditRule, Int, String) -> Void) {
        let lines = run.value.split(separator: "\n", omittingEmptySubsequences: false)
        var injected: Set<Int> = []
        for (expr, offset) in expressions(run.value) {
            if let ctx = untrustedContext(in: expr) {
                injected.insert(offset)
                add(AuditCatalogue.templateInjection, run.line(ofTextLine: offset),
                    "Untrusted '\(ctx)' is expanded into a run: script (shell injection)")
            }
        }
        for (i, line) in lines.enumerated() where line.contains("GITHUB_ENV") || line.contains("GITHUB_PATH") {
            if injected.contains(i) || !dangerous.isEmpty {
                let which = line.contains("GITHUB_ENV") ? "GITHUB_ENV" : "GITHUB_PATH"
                add(AuditCatalogue.githubEnv, run.line(ofTextLine: i),
                    "Writes to \(which) " + (injected.contains(i) ? "from untrusted input" : "in a \(dangerous.sorted().joined(separator: "/")) workflow"))
            }
        }
    }

    /// Triggered by a release, a tag push, or named like a release/publish workflow.
    static func isRelease(_ m: WorkflowModel) -> Bool {
        let triggers = Set(m.triggers.map(\.value))
        if triggers.contains("release") || triggers.contains("registry_package") { return true }
        return m.scalars.contains { $0.value == "tags" } && triggers.contains("push")
    }

    /// actions/cache, or a setup-* action with caching enabled.
    static func usesCache(_ step: WorkflowModel.Step) -> Bool {
        guard let u = step.uses?.value.lowercased() else { return false }
        if u.hasPrefix("actions/cache@") || u.hasPrefix("actions/cache/restore@") { return true }
        guard u.hasPrefix("actions/setup-") else { return false }
        if let c = step.with["cache"]?.value.lowercased() { return !c.isEmpty && c != "false" }
        return u.hasPrefix("actions/setup-go@") && step.with["cache"]?.value.lowercased() != "false"
    }
}
