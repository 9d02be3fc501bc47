#if canImport(Glibc)
import Glibc
#endif

/// Where sdetkit keeps its state inside a repository. All paths are absolute; `rel*` are repo-relative.
public struct StateLayout: Sendable, Hashable {
    /// Absolute, real path of the repository's work tree root.
    public let repoRoot: String

    public init(repoRoot: String) { self.repoRoot = repoRoot }

    public static let relState = ".sdetkit"
    public static let relAgent = ".sdetkit/agent"
    public static let relConfig = ".sdetkit/agent/config.yaml"
    public static let relHistory = ".sdetkit/agent/history"
    public static let relObjects = ".sdetkit/agent/history/objects"
    public static let relLedger = ".sdetkit/agent/history/ledger.jsonl"
    public static let relIndex = ".sdetkit/agent/index.sqlite"
    public static let relAuditLog = ".sdetkit/agent/audit.jsonl"
    public static let relWorkdir = ".sdetkit/agent/workdir"
    public static let relCache = ".sdetkit/agent/cache"
    public static let relTemplateRuns = ".sdetkit/agent/template-runs"

    /// sdetkit's own output areas: writes inside them need no approval (they still need the allowlist,
    /// to which the engine always adds the template-runs directory).
    public static let approvalFreeRoots = [relWorkdir, relTemplateRuns]

    /// Ignores every state file but the config, so `git status` shows at most `.sdetkit/agent/config.yaml`.
    public static let gitignore = """
    # Written by sdetkit. Its state (history, index, workdir, cache) stays out of git;
    # only agent/config.yaml may be committed.
    *
    !agent/
    agent/*
    !agent/config.yaml

    """

    /// Creates `.sdetkit/` with its `.gitignore` when either is missing, so that no command — not only
    /// `init` — can leave state files for `git add -A` to pick up. Returns true when it wrote the file.
    /// Refuses first when any state path is a symbolic link (``checkNoStateLinks()``).
    @discardableResult
    public func ensureStateDirectory() throws(SdetkitError) -> Bool {
        try checkNoStateLinks()
        if FileSystem.exists(stateDir + "/.gitignore") { return false }
        return try createStateDirectory()
    }

    /// What ``ensureStateDirectory()`` does after its checks, race-free: `.sdetkit/` created beneath the
    /// repository root (``BeneathRoot/openDirectory(creating:mode:)``) and `.gitignore` written atomically in
    /// its descriptor, so a link swapped in after the check is refused, naming it. True when it wrote the file.
    package func createStateDirectory(root: BeneathRoot? = nil) throws(SdetkitError) -> Bool {
        // The repository root itself is no state: made by path when missing, as `mkdir -p` of `.sdetkit` did.
        if root == nil && !FileSystem.isDirectory(repoRoot) { try FileSystem.createDirectories(repoRoot) }
        let root = if let root { root } else { try BeneathRoot(path: repoRoot) }
        let (dir, _) = try root.openDirectory(creating: Self.relState)
        defer { close(dir) }
        if BeneathRoot.statEntry(".gitignore", in: dir) != nil { return false }
        try BeneathRoot.writeFile(Array(Self.gitignore.utf8), named: ".gitignore", in: dir,
                                  shown: stateDir + "/.gitignore")
        return true
    }

    public func absolute(_ rel: String) -> String { rel.isEmpty ? repoRoot : repoRoot + "/" + rel }

    public var stateDir: String { absolute(Self.relState) }
    public var agentDir: String { absolute(Self.relAgent) }
    public var configPath: String { absolute(Self.relConfig) }
    public var historyDir: String { absolute(Self.relHistory) }
    public var objectsDir: String { absolute(Self.relObjects) }
    public var ledgerPath: String { absolute(Self.relLedger) }
    public var ledgerLockPath: String { absolute(Self.relHistory + "/ledger.lock") }
    public var indexPath: String { absolute(Self.relIndex) }
    public var auditLogPath: String { absolute(Self.relAuditLog) }
    public var workdir: String { absolute(Self.relWorkdir) }
    public var cacheDir: String { absolute(Self.relCache) }
    public var templateRunsDir: String { absolute(Self.relTemplateRuns) }

    /// Repo-relative form of an absolute path inside the repository, else nil.
    public func relative(_ absolutePath: String) -> String? { Path.relative(absolutePath, to: repoRoot) }
}
