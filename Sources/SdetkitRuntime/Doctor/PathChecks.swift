import SdetkitConfig
import SdetkitCore
import SdetkitPolicy

/// A symbolic link met while walking a repo-relative path from the repository root.
struct LinkOnPath: Equatable {
    /// The repo-relative path of the link itself.
    var link: String
    /// Where it resolves (absolute), nil when it dangles.
    var target: String?
    /// Whether that target is inside the repository.
    var insideRepo: Bool

    /// The first link on `rel` below `root`, component by component (lstat), or nil when there is none.
    static func first(on rel: String, root: String) -> LinkOnPath? {
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
}

/// sdetkit's state directories and files must be what they seem: a planted link (`.sdetkit/agent/history` →
/// somewhere else) would make every write land outside the repository.
enum StateLinks {
    static let paths = [StateLayout.relState, StateLayout.relAgent, StateLayout.relHistory, StateLayout.relObjects,
                        StateLayout.relLedger, StateLayout.relIndex, StateLayout.relAuditLog, StateLayout.relWorkdir,
                        StateLayout.relCache, StateLayout.relTemplateRuns, StateLayout.relConfig]
    static let directories = [StateLayout.relAgent, StateLayout.relHistory, StateLayout.relWorkdir, StateLayout.relCache]

    static func check(layout: StateLayout) -> DoctorCheck {
        for rel in paths {
            if let link = LinkOnPath.first(on: rel, root: layout.repoRoot) {
                let to = link.target.map { " (to \($0))" } ?? " (dangling)"
                return DoctorCheck("state-layout", .fail,
                                   "'\(link.link)' is a symbolic link\(to); sdetkit does not follow links in its state: "
                                   + "remove it and run 'sdetkit agent init'")
            }
        }
        let missing = directories.filter { !FileSystem.isDirectory(layout.absolute($0)) }
        if !missing.isEmpty {
            return DoctorCheck("state-layout", .fail, "missing \(missing.joined(separator: ", ")); run 'sdetkit agent init'")
        }
        return DoctorCheck("state-layout", .ok, "\(StateLayout.relAgent) complete, no links in it")
    }
}

/// The write allowlist admits directories inside the repository; an entry reached through a link that leaves
/// the repository would admit writes elsewhere (the policy engine refuses them, and doctor says why). A shell
/// allowlist entry that is an interpreter or command runner lets any code run: a warning.
enum AllowlistCheck {
    static func check(_ safety: AgentConfig.Safety, layout: StateLayout) -> DoctorCheck {
        var failures: [String] = []
        var warnings: [String] = []
        var notYet: [String] = []
        for entry in safety.writeAllowlist {
            if let link = LinkOnPath.first(on: entry, root: layout.repoRoot) {
                if let target = link.target, link.insideRepo {
                    let rel = Path.relative(target, to: layout.repoRoot) ?? target
                    warnings.append("write_allowlist entry '\(entry)' goes through the link '\(link.link)' to '\(rel)'; "
                                    + "list '\(rel)' itself")
                } else {
                    let to = link.target.map { "to \($0), outside the repository" } ?? "that dangles"
                    failures.append("write_allowlist entry '\(entry)' goes through the link '\(link.link)' \(to): "
                                    + "writes there are refused; remove the link or the entry")
                }
            } else if !FileSystem.exists(layout.absolute(entry)) {
                notYet.append(entry)
            } else if !FileSystem.isDirectory(layout.absolute(entry)) {
                failures.append("write_allowlist entry '\(entry)' is a file, not a directory; list the directory that holds it")
            }
        }
        warnings += PolicyEngine.interpreterWarnings(safety.shellAllowlist)
        var detail = "\(safety.writeAllowlist.count) write dir(s), \(safety.shellAllowlist.count) command prefix(es)"
        if !failures.isEmpty { detail += "; " + failures.joined(separator: "; ") }
        if !warnings.isEmpty { detail += "; warning: " + warnings.joined(separator: "; ") }
        if !notYet.isEmpty { detail += "; note: not created yet: " + notYet.joined(separator: ", ") }
        return DoctorCheck("allowlists", !failures.isEmpty ? .fail : (warnings.isEmpty ? .ok : .warn), detail)
    }
}
