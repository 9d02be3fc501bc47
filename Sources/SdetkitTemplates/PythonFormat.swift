import SdetkitCore

/// What the Python sdetkit 1.2.0's template files need here (docs/templates.md, "The Python format").
/// Its format is this one (metadata, inputs, workflow with `with:` params); what differs is handled by the
/// actions themselves (`artifacts.bundle`, `review.adaptive`, the Python `repo.audit` and `report.build`
/// params, any audit profile name), by ``TemplateMigrator``, and by the refusals below.
public enum PythonFormat {
    /// The Python catalogue's `kits.*` actions: each wrote a fixed planning document (the same text for every
    /// repository, with commands of the Python tool), so they are refused rather than imitated.
    public static let refusedActions: Set<String> = ["kits.blueprint", "kits.optimize", "kits.expand"]

    public static let githubWorkflowProblem =
        "this is a GitHub Actions workflow, not a template: move it to .github/workflows/ (a template has 'metadata' and 'workflow'; docs/templates.md)"

    /// The refusal for a Python-only action, pointing at `templates migrate`; nil for any other name.
    public static func refusal(action: String, file: String) -> String? {
        guard refusedActions.contains(action) else { return nil }
        let target = file.hasPrefix("<shipped>") ? "FILE" : file
        return "'\(action)' is a Python sdetkit action that is not available here (it wrote the same planning text for every repository); "
            + "run 'sdetkit agent templates migrate \(target) --write' to drop it (docs/templates.md#the-python-format)"
    }

    /// The line of `on:` when the document is a GitHub Actions workflow (top-level `jobs` plus `on`, and no
    /// template keys), else nil.
    static func githubWorkflowLine(_ root: YNode) -> Int? {
        guard let entries = root.entries else { return nil }
        let keys = Set(entries.map(\.key))
        guard keys.contains("jobs"), keys.contains("on") || keys.contains("true"),
              !keys.contains("metadata"), !keys.contains("workflow") else { return nil }
        return entries.first { $0.key == "on" || $0.key == "true" }?.line ?? root.line
    }
}
