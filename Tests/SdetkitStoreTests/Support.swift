@testable import SdetkitCore
@testable import SdetkitStore

/// A store in a new directory under /tmp (with `.sdetkit/agent/`), and that directory.
func makeTempStore(_ tag: String) throws -> (root: String, store: HistoryStore) {
    let root = "/tmp/sdetkit-\(tag)-\(UInt32.random(in: 0...UInt32.max))"
    try FileSystem.createDirectories(root + "/.sdetkit/agent")
    return (root, HistoryStore(layout: StateLayout(repoRoot: root)))
}
