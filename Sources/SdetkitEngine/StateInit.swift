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
        if try layout.ensureStateDirectory() {
            created.append(StateLayout.relState + "/.gitignore")
        } else {
            existed.append(StateLayout.relState + "/.gitignore")
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
