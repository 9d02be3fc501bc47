import SdetkitConfig
import SdetkitCore
import SdetkitStore

/// `sdetkit agent init`: creates the state layout, idempotently.
public enum StateInit {
    public struct Report: Sendable {
        public var created: [String]
        public var existed: [String]
        public var overwroteConfig: Bool

        public var json: JSONValue {
            ["created": .array(created.map { .string($0) }), "existed": .array(existed.map { .string($0) }),
             "overwrote_config": .bool(overwroteConfig)]
        }
    }

    /// Ignores every state file but the config, so `git status` shows at most `.sdetkit/agent/config.yaml`.
    static let gitignore = """
    # Written by 'sdetkit agent init'. sdetkit's state (history, index, workdir, cache) stays out of git;
    # only agent/config.yaml may be committed.
    *
    !agent/
    agent/*
    !agent/config.yaml

    """

    public static func run(layout: StateLayout, force: Bool) throws -> Report {
        var created: [String] = []
        var existed: [String] = []
        for rel in [StateLayout.relState, StateLayout.relAgent, StateLayout.relHistory, StateLayout.relObjects,
                    StateLayout.relWorkdir, StateLayout.relCache] {
            let abs = layout.absolute(rel)
            if FileSystem.isDirectory(abs) {
                existed.append(rel + "/")
            } else {
                try FileSystem.createDirectories(abs)
                created.append(rel + "/")
            }
        }
        let ignore = layout.absolute(StateLayout.relState + "/.gitignore")
        if FileSystem.exists(ignore) {
            existed.append(StateLayout.relState + "/.gitignore")
        } else {
            try FileSystem.writeAtomically(gitignore, to: ignore)
            created.append(StateLayout.relState + "/.gitignore")
        }
        var overwrote = false
        if FileSystem.exists(layout.configPath) && !force {
            existed.append(StateLayout.relConfig)
        } else {
            overwrote = FileSystem.exists(layout.configPath)
            try FileSystem.writeAtomically(ConfigRenderer.render(AgentConfig.defaults, commented: true), to: layout.configPath)
            if overwrote { existed.append(StateLayout.relConfig) } else { created.append(StateLayout.relConfig) }
        }
        FileSystem.syncDirectory(layout.agentDir)
        return Report(created: created, existed: existed, overwroteConfig: overwrote)
    }
}
