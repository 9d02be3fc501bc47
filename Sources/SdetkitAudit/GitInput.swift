import SdetkitGit

extension AuditFile {
    public init(_ tracked: TrackedFile) {
        self.init(path: tracked.path, size: tracked.size, isSymlink: tracked.isSymlink,
                  isSubmodule: tracked.isSubmodule)
    }
}

extension Auditor {
    /// The audit input of a repository: every file in its index, read from the working tree.
    /// With `changedSince`, only paths changed since that revision (still tracked) are content-scanned;
    /// governance rules always see every tracked file.
    public static func input(from repo: GitRepository, changedSince: String?) throws -> AuditInput {
        let files = try repo.trackedFiles().map(AuditFile.init)
        var only: Set<String>?
        if let ref = changedSince { only = Set(try repo.changedPaths(since: ref)) }
        return AuditInput(repoRoot: repo.workdir, files: files, onlyPaths: only, content: .workingTree)
    }
}
