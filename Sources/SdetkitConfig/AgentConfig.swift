import SdetkitCore

/// The effective agent configuration (`.sdetkit/agent/config.yaml`, `version: 1`).
/// Every value has a default, so a missing file or key is never an error. See docs/config.md.
public struct AgentConfig: Sendable, Hashable {
    /// The only config format version this sdetkit reads and writes.
    public static let currentVersion = 1

    /// Limits for one run.
    public struct Budgets: Sendable, Hashable {
        /// Most planner steps in one run (≥ 1).
        public var maxSteps: Int
        /// Most actions executed in one run (≥ 1).
        public var maxActions: Int

        public init(maxSteps: Int = 20, maxActions: Int = 10) {
            self.maxSteps = maxSteps
            self.maxActions = maxActions
        }

        public static let defaults = Budgets()
    }

    /// Where plans come from.
    public struct Provider: Sendable, Hashable {
        public enum ProviderType: String, Sendable, Hashable, CaseIterable {
            /// The built-in deterministic planner; no network.
            case none
            /// A local Ollama-compatible HTTP endpoint.
            case local
        }

        public var type: ProviderType
        /// An `http://` or `https://` URL.
        public var endpoint: String
        public var model: String
        /// Seconds to wait for the endpoint (> 0).
        public var timeoutSeconds: Double

        public init(type: ProviderType = .none, endpoint: String = "http://127.0.0.1:11434/api/generate",
                    model: String = "llama3", timeoutSeconds: Double = 10) {
            self.type = type
            self.endpoint = endpoint
            self.model = model
            self.timeoutSeconds = timeoutSeconds
        }

        public static let defaults = Provider()
    }

    /// What actions may write and run.
    public struct Safety: Sendable, Hashable {
        /// Normalised repo-relative directories (no leading `/`, no `.` or `..` components, no trailing `/`).
        public var writeAllowlist: [String]
        /// Allowed commands as argv word lists; a command is allowed when its argv starts with an entry.
        public var shellAllowlist: [[String]]
        /// Seconds a command may run before it is killed (> 0).
        public var shellTimeoutSeconds: Double
        /// Most bytes of a command's output kept (≥ 0).
        public var maxOutputBytes: Int
        /// How commands are confined by the kernel (docs/security-model.md).
        public var sandbox: SandboxMode
        /// Whether sandboxed commands may open TCP connections (off by default).
        public var shellNetwork: Bool

        public init(writeAllowlist: [String] = [StateLayout.relWorkdir], shellAllowlist: [[String]] = [],
                    shellTimeoutSeconds: Double = 30, maxOutputBytes: Int = 65_536,
                    sandbox: SandboxMode = .landlock, shellNetwork: Bool = false) {
            self.writeAllowlist = writeAllowlist
            self.shellAllowlist = shellAllowlist
            self.shellTimeoutSeconds = shellTimeoutSeconds
            self.maxOutputBytes = maxOutputBytes
            self.sandbox = sandbox
            self.shellNetwork = shellNetwork
        }

        /// `landlock`: every command runs under a Landlock domain (writes only into the write allowlist outside
        /// `.git/` and `.sdetkit/`, plus a private temp directory; TCP off unless `shell_network`); where the
        /// kernel has no Landlock, commands are refused. `off`: commands run unconfined (an explicit choice).
        public enum SandboxMode: String, Sendable, Hashable, CaseIterable {
            case landlock, off
        }

        public static let defaults = Safety()
    }

    /// Service-level objectives shown by dashboards.
    public struct SLO: Sendable, Hashable {
        /// Target fraction of runs that end ok (0...1).
        public var successRate: Double
        /// Target 95th-percentile run duration in milliseconds (> 0).
        public var p95DurationMs: Int

        public init(successRate: Double = 0.99, p95DurationMs: Int = 3000) {
            self.successRate = successRate
            self.p95DurationMs = p95DurationMs
        }

        public static let defaults = SLO()
    }

    public var budgets: Budgets
    public var provider: Provider
    public var safety: Safety
    public var slo: SLO
    /// Settings of `sdetkit agent serve` (see docs/serve.md). Not part of ``digest``.
    public var serve: Serve
    /// Settings of the audit (exclusions, the test-path severity cap). Part of ``digest`` when not the default.
    public var audit: Audit

    public init(budgets: Budgets = .defaults, provider: Provider = .defaults, safety: Safety = .defaults,
                slo: SLO = .defaults, serve: Serve = .defaults, audit: Audit = .defaults) {
        self.budgets = budgets
        self.provider = provider
        self.safety = safety
        self.slo = slo
        self.serve = serve
        self.audit = audit
    }

    /// The configuration used when there is no config file.
    public static let defaults = AgentConfig()

    /// The effective configuration as JSON, with the YAML (snake_case) key names (what `config show --json` prints).
    public var json: JSONValue {
        var members = runJSONMembers
        if case .object(var safetyMembers)? = members["safety"] {
            safetyMembers["sandbox"] = .string(safety.sandbox.rawValue)
            safetyMembers["shell_network"] = .bool(safety.shellNetwork)
            members["safety"] = .object(safetyMembers)
        }
        members["serve"] = serve.json
        members["audit"] = audit.json
        return .object(members)
    }

    /// Every section that can change what a run does, i.e. ``json`` without `serve` (and without `audit` while it
    /// is the default). Its members are then exactly the whole config of the versions before `serve` and `audit`
    /// existed, so digests stay equal.
    var runJSONMembers: [String: JSONValue] {
        var members = baseRunJSONMembers
        if audit != .defaults { members["audit"] = audit.json }
        return members
    }

    /// `sandbox` and `shell_network` join the safety section when either is not the default (a run under
    /// another sandbox does differ), so the digests of configs from before the sandbox existed stay equal.
    private var safetySandboxMembers: [String: JSONValue] {
        guard safety.sandbox != .landlock || safety.shellNetwork else { return [:] }
        return ["sandbox": .string(safety.sandbox.rawValue), "shell_network": .bool(safety.shellNetwork)]
    }

    private var baseRunJSONMembers: [String: JSONValue] {
        [
            "version": .int(Self.currentVersion),
            "budgets": .object([
                "max_steps": .int(budgets.maxSteps),
                "max_actions": .int(budgets.maxActions),
            ]),
            "provider": .object([
                "type": .string(provider.type.rawValue),
                "endpoint": .string(provider.endpoint),
                "model": .string(provider.model),
                "timeout_seconds": .number(provider.timeoutSeconds),
            ]),
            "safety": .object([
                "write_allowlist": .array(safety.writeAllowlist.map { .string($0) }),
                "shell_allowlist": .array(safety.shellAllowlist.map { .array($0.map { .string($0) }) }),
                "shell_timeout_seconds": .number(safety.shellTimeoutSeconds),
                "max_output_bytes": .int(safety.maxOutputBytes),
            ].merging(safetySandboxMembers) { a, _ in a }),
            "slo": .object([
                "success_rate": .number(slo.successRate),
                "p95_duration_ms": .int(slo.p95DurationMs),
            ]),
        ]
    }

    /// SHA-256 (hex) of the canonical JSON of ``json`` without its `serve` section: configs that run the same
    /// have equal digests. It is recorded in every run record (`config_digest`), and server settings do not
    /// change what a run does, so they are left out; a digest is the same as before `serve` existed.
    public var digest: String { Digest.sha256Hex(CanonicalJSON.encode(.object(runJSONMembers))) }

    /// YAML text for this configuration; see ``ConfigRenderer/render(_:commented:)``.
    public static func render(_ config: AgentConfig, commented: Bool) -> String {
        ConfigRenderer.render(config, commented: commented)
    }
}

/// A configuration as loaded from a file.
public struct LoadedConfig: Sendable {
    /// The effective configuration (defaults filled in).
    public var config: AgentConfig
    /// Things the user should know that are not errors (e.g. the legacy format).
    public var warnings: [String]
    /// True when the file uses the legacy (unversioned, Python sdetkit) format.
    public var isLegacy: Bool
    /// The path that was loaded (or looked for).
    public var path: String
    /// False when there was no file and the defaults are used.
    public var exists: Bool
    /// Legacy-only keys that were present and ignored (`roles`, `budgets.token_budget`), in file order.
    public var ignoredLegacyKeys: [String]

    public init(config: AgentConfig, warnings: [String] = [], isLegacy: Bool = false, path: String, exists: Bool = true,
                ignoredLegacyKeys: [String] = []) {
        self.config = config
        self.ignoredLegacyKeys = ignoredLegacyKeys
        self.warnings = warnings
        self.isLegacy = isLegacy
        self.path = path
        self.exists = exists
    }
}
