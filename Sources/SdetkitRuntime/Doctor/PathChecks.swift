import SdetkitConfig
import SdetkitCore
import SdetkitPolicy

/// sdetkit's state directories and files must be what they seem: a planted link (`.sdetkit/agent/history` →
/// somewhere else) would make every write land outside the repository.
enum StateLinks {
    static let directories = [StateLayout.relAgent, StateLayout.relHistory, StateLayout.relWorkdir, StateLayout.relCache]

    static func check(layout: StateLayout) -> DoctorCheck {
        if let link = layout.firstStateLink() {
            return DoctorCheck("state-layout", .fail, link.stateError.message)
        }
        let objects = layout.objectsDir
        for name in FileSystem.list(objects).sorted() where FileSystem.isSymlink(objects + "/" + name) {
            return DoctorCheck("state-layout", .fail, LinkOnPath(link: StateLayout.relObjects + "/" + name,
                                                                 target: FileSystem.realPath(objects + "/" + name),
                                                                 insideRepo: false).stateError.message)
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
