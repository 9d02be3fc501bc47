import SdetkitEngine

/// The actions this module adds to the registry (the toolkit merges them into `Toolkit.registry()`).
public enum TemplateActions {
    public static var actions: [any AgentAction] {
        [BundleTarAction(), DepsInventoryAction(), DocsLinksAction(), LicenseHeadersAction(), LargeFilesAction(), ReportSummaryAction()]
    }

    /// The same as ``actions``.
    public static var all: [any AgentAction] { actions }

    public static var registry: ActionRegistry { ActionRegistry(actions) }
}
