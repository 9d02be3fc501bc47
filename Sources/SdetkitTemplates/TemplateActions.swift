import SdetkitEngine

/// The actions this module adds to the registry (the toolkit merges them into `Toolkit.registry()`).
public enum TemplateActions {
    public static var actions: [any AgentAction] {
        [ArtifactsBundleAction(), BundleTarAction(), DepsInventoryAction(), DocsLinksAction(), LicenseHeadersAction(), LargeFilesAction(), ReportSummaryAction()]
    }

    public static var registry: ActionRegistry { ActionRegistry(actions) }
}
