/// The GitHub Actions rules and the "not scanned" info rules.
extension AuditCatalogue {
    static var workflowRules: [AuditRule] {
        [prTargetCheckout, dangerousTriggers, templateInjection, writeAllPermissions, excessivePermissions,
         unpinnedAction, unpinnedImages, artipacked, secretsInherit, selfHostedRunner, githubEnv, insecureCommands,
         cachePoisoning, overprovisionedSecrets, workflowNotAnalysed]
    }

    static let dangerousTriggers = rule(
        "actions.dangerous-triggers", "workflow_run checks out the triggering run's code", .high,
        "A workflow triggered by workflow_run checks out github.event.workflow_run.head_* (the code of a run that a "
            + "fork's pull request may have started) while it holds the base repository's secrets and token. "
            + "(pull_request_target head checkouts are actions.pr-target-untrusted-checkout.)",
        "Do not check out or execute the triggering run's code in workflow_run; treat its artifacts as untrusted "
            + "data and validate them before use.", security: true)
    static let templateInjection = rule(
        "actions.template-injection", "Untrusted input expanded into a script", .high,
        "A run: script or actions/github-script script expands an attacker-controlled context with ${{ … }} "
            + "(an issue or PR title or body, a comment, a branch name, a commit message): the text becomes code.",
        "Pass the value through an environment variable and quote it: env: TITLE: ${{ github.event.issue.title }} "
            + "then run: echo \"$TITLE\".", security: true)
    static let excessivePermissions = rule(
        "actions.excessive-permissions", "GITHUB_TOKEN permissions broader than needed", .medium,
        "The workflow declares no top-level 'permissions' (so jobs without their own get the repository default, "
            + "often write), or grants a write scope at the top level to every job.",
        "Add 'permissions: contents: read' (or '{}') at the top of the workflow and grant write scopes only on "
            + "the jobs that need them.", security: true)
    static let unpinnedImages = rule(
        "actions.unpinned-images", "Container image not pinned to a digest", .medium,
        "A job's container image (or a service container's image) is referenced by tag (or no tag) instead of an @sha256 digest.",
        "Pin the image by digest: 'image: node:20@sha256:<digest>'; let Dependabot update it.", security: true)
    static let artipacked = rule(
        "actions.artipacked", "Checkout credentials can leak into artifacts", .medium,
        "actions/checkout keeps the GITHUB_TOKEN in .git/config (persist-credentials defaults to true) in a job "
            + "that uploads artifacts; uploading the work tree publishes the token.",
        "Set 'with: persist-credentials: false' on actions/checkout, and upload only build outputs.", security: true)
    static let secretsInherit = rule(
        "actions.secrets-inherit", "All secrets passed to a reusable workflow", .medium,
        "A job calls a reusable workflow with 'secrets: inherit', handing it every secret of the repository.",
        "Pass only the secrets the called workflow needs: 'secrets: { token: ${{ secrets.DEPLOY_TOKEN }} }'.",
        security: true)
    static let selfHostedRunner = rule(
        "actions.self-hosted-runner", "Job runs on a self-hosted runner", .medium,
        "A job runs on a self-hosted runner; code from a pull request or a compromised action can persist on the "
            + "machine and reach its network.",
        "Use ephemeral, isolated runners (just-in-time or GitHub-hosted) and never run untrusted pull requests on "
            + "persistent self-hosted runners.", security: true)
    static let githubEnv = rule(
        "actions.github-env", "Untrusted data written to GITHUB_ENV / GITHUB_PATH", .high,
        "A run: step writes to $GITHUB_ENV or $GITHUB_PATH from an untrusted expression, or in a "
            + "pull_request_target / workflow_run workflow; a crafted value sets LD_PRELOAD, NODE_OPTIONS or PATH "
            + "for every later step.",
        "Do not write untrusted data to GITHUB_ENV/GITHUB_PATH; use step outputs and validate values first.",
        security: true)
    static let insecureCommands = rule(
        "actions.insecure-commands", "Deprecated insecure workflow commands enabled", .high,
        "ACTIONS_ALLOW_UNSECURE_COMMANDS is set to true, re-enabling ::set-env and ::add-path, which any log "
            + "output can trigger.",
        "Remove ACTIONS_ALLOW_UNSECURE_COMMANDS and write to $GITHUB_ENV / $GITHUB_PATH files instead.",
        security: true)
    static let cachePoisoning = rule(
        "actions.cache-poisoning", "Release workflow restores a cache", .high,
        "A workflow triggered by a release or a tag push restores a cache (actions/cache, or a setup-* action with "
            + "cache enabled); a cache written by a less trusted workflow can poison the published artifact.",
        "Do not use caches in release/publish workflows; build releases from a clean state.", security: true)
    static let overprovisionedSecrets = rule(
        "actions.overprovisioned-secrets", "Every secret exposed at once", .medium,
        "An expression uses toJSON(secrets) or indexes secrets dynamically (secrets[…]), so every secret of the "
            + "repository is loaded into the step.",
        "Reference only the secrets the step needs, by name: ${{ secrets.DEPLOY_TOKEN }}.", security: true)
    static let workflowNotAnalysed = rule(
        "actions.workflow-not-analysed", "Workflow file not analysed", .info,
        "A workflow file is larger than 512 KiB, is not valid YAML, or its aliases expand past 50,000 nodes "
            + "(a YAML bomb), so the workflow audits did not run on it.",
        "Keep workflow files small and valid; split large workflows into reusable workflows.")

    static let notScanned = rule(
        "files.not-scanned", "Text file not content-scanned", .info,
        "A text file is larger than the 64 MiB streaming cap, so its content was not scanned for secrets.",
        "Keep large data files out of git (Git LFS, an artifact store) or exclude them in .sdetkit/audit-ignore.")
    static let archiveNotScanned = rule(
        "files.archive-not-scanned", "Compressed archive not scanned", .info,
        "A compressed archive (zip, gz, tgz, bz2, xz, zst, 7z, rar, jar, …) is not unpacked, so its members were "
            + "not scanned. Uncompressed tar members are scanned.",
        "Do not commit archives; if you must, commit an uncompressed tar or the files themselves so they can be "
            + "audited.")
}
