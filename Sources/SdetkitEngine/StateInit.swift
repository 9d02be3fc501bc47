#if canImport(Glibc)
import Glibc
#endif
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

    /// Every directory and file is created beneath the repository root with no link followed
    /// (``BeneathRoot``): a link swapped in after the early check is refused, naming it.
    public static func run(layout: StateLayout, force: Bool) throws -> Report {
        var created: [String] = []
        var existed: [String] = []
        let root = try BeneathRoot(path: layout.repoRoot)
        for rel in [StateLayout.relState, StateLayout.relAgent, StateLayout.relHistory, StateLayout.relObjects,
                    StateLayout.relWorkdir, StateLayout.relCache] {
            if try root.createDirectories(rel).contains(rel) {
                created.append(rel + "/")
            } else {
                existed.append(rel + "/")
            }
        }
        try layout.checkNoStateLinks()
        if try layout.createStateDirectory(root: root) {
            created.append(StateLayout.relState + "/.gitignore")
        } else {
            existed.append(StateLayout.relState + "/.gitignore")
        }
        let agent = try root.openDirectory(creating: StateLayout.relAgent).fd
        defer { close(agent) }
        let configName = Path.basename(StateLayout.relConfig)
        var overwrote = false
        if BeneathRoot.statEntry(configName, in: agent) != nil && !force {
            existed.append(StateLayout.relConfig)
        } else {
            overwrote = BeneathRoot.statEntry(configName, in: agent) != nil
            try BeneathRoot.writeFile(Array(ConfigRenderer.render(AgentConfig.defaults, commented: true).utf8), named: configName,
                                      in: agent, shown: layout.configPath, syncDirectory: false)
            if overwrote { existed.append(StateLayout.relConfig) } else { created.append(StateLayout.relConfig) }
        }
        fsync(agent)
        return Report(created: created, existed: existed, overwroteConfig: overwrote)
    }
}
