#if canImport(Glibc)
import Glibc
#endif
/// A symbolic link met while walking a repo-relative path from the repository root.
public struct LinkOnPath: Sendable, Equatable {
    /// The repo-relative path of the link itself.
    public var link: String
    /// Where it resolves (absolute), nil when it dangles.
    public var target: String?
    /// Whether that target is inside the repository.
    public var insideRepo: Bool

    public init(link: String, target: String?, insideRepo: Bool) {
        self.link = link
        self.target = target
        self.insideRepo = insideRepo
    }

    /// The first link on `rel` below `root`, component by component (lstat), or nil when there is none.
    public static func first(on rel: String, root: String) -> LinkOnPath? {
        var prefix = ""
        for part in Path.components(rel) {
            prefix = prefix.isEmpty ? part : prefix + "/" + part
            let abs = root + "/" + prefix
            if FileSystem.isSymlink(abs) {
                let target = FileSystem.realPath(abs)
                return LinkOnPath(link: prefix, target: target, insideRepo: target.map { Path.isInside($0, root) } ?? false)
            }
            if !FileSystem.exists(abs) { return nil }
        }
        return nil
    }

    /// The error for a link found in sdetkit's state.
    public var stateError: SdetkitError {
        let to = target.map { " (to \($0))" } ?? " (dangling)"
        return SdetkitError("'\(link)' is a symbolic link\(to): sdetkit never follows links in its state "
                            + "(a cloned repository may plant them); remove it and run 'sdetkit agent init'")
    }
}

extension StateLayout {
    /// Every state path sdetkit opens by name; none of them, nor any directory on the way, may be a link.
    public static let linkCheckedPaths = [
        relState, relState + "/.gitignore", relAgent, relConfig, relHistory, relObjects, relLedger,
        relHistory + "/ledger.lock", relObjects + "/pack", relIndex, relIndex + "-wal", relIndex + "-shm",
        relAuditLog, relAuditLog + ".lock", relWorkdir, relCache, relTemplateRuns,
    ]

    /// The first symbolic link in sdetkit's state (``linkCheckedPaths``), or nil. One `lstat` per distinct
    /// path prefix: shared directories are looked at once, and nothing below a missing one.
    public func firstStateLink() -> LinkOnPath? {
        var seen: [String: Bool] = [:]  // prefix → exists (and is no link)
        for rel in Self.linkCheckedPaths {
            var prefix = ""
            for part in Path.components(rel) {
                prefix = prefix.isEmpty ? part : prefix + "/" + part
                if let exists = seen[prefix] {
                    if !exists { break }
                    continue
                }
                let abs = repoRoot + "/" + prefix
                var st = stat()
                guard lstat(abs, &st) == 0 else { seen[prefix] = false; break }
                if (st.st_mode & S_IFMT) == S_IFLNK {
                    let target = FileSystem.realPath(abs)
                    return LinkOnPath(link: prefix, target: target, insideRepo: target.map { Path.isInside($0, repoRoot) } ?? false)
                }
                seen[prefix] = true
            }
        }
        return nil
    }

    /// Throws, naming the link, when any state path is or goes through a symbolic link. Cheap (one lstat
    /// per path component); called before a command or a store touches the state.
    public func checkNoStateLinks() throws(SdetkitError) {
        if let link = firstStateLink() { throw link.stateError }
    }

    /// Throws when the directory at `absolutePath` (inside the state) is a symbolic link.
    public func checkNotALink(_ absolutePath: String) throws(SdetkitError) {
        guard FileSystem.isSymlink(absolutePath) else { return }
        let rel = relative(absolutePath) ?? absolutePath
        throw LinkOnPath(link: rel, target: FileSystem.realPath(absolutePath), insideRepo: false).stateError
    }
}
