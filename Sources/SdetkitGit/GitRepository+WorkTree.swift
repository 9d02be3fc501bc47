#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CLibGit2
import SdetkitCore
import Synchronization

extension GitRepository {
    private static let trackedChangeMask: UInt32 =
        GIT_STATUS_INDEX_NEW.rawValue | GIT_STATUS_INDEX_MODIFIED.rawValue | GIT_STATUS_INDEX_DELETED.rawValue
        | GIT_STATUS_INDEX_RENAMED.rawValue | GIT_STATUS_INDEX_TYPECHANGE.rawValue
        | GIT_STATUS_WT_MODIFIED.rawValue | GIT_STATUS_WT_DELETED.rawValue | GIT_STATUS_WT_TYPECHANGE.rawValue
        | GIT_STATUS_WT_RENAMED.rawValue | GIT_STATUS_WT_UNREADABLE.rawValue | GIT_STATUS_CONFLICTED.rawValue

    /// Tracked changes (index and work tree vs HEAD) and, when asked, untracked files. Respects .gitignore.
    /// Submodules are not scanned (their inner changes and moved gitlinks are not reported).
    public func status(includeUntracked: Bool = true) throws(GitError) -> WorkingTreeStatus {
        var opts = git_status_options()
        try LibGit2.check(git_status_options_init(&opts, UInt32(GIT_STATUS_OPTIONS_VERSION)))
        opts.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR
        var flags = GIT_STATUS_OPT_EXCLUDE_SUBMODULES.rawValue
        if includeUntracked {
            flags |= GIT_STATUS_OPT_INCLUDE_UNTRACKED.rawValue | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS.rawValue
        }
        opts.flags = flags
        var out: OpaquePointer?
        try LibGit2.check(git_status_list_new(&out, repo, &opts))
        guard let list = out else { return WorkingTreeStatus(modified: [], untracked: []) }
        defer { git_status_list_free(list) }

        var modified = Set<String>()
        var untracked = Set<String>()
        let count = git_status_list_entrycount(list)
        for i in 0..<count {
            guard let entry = git_status_byindex(list, i)?.pointee else { continue }
            let bits = entry.status.rawValue
            if bits & Self.trackedChangeMask != 0 {
                for delta in [entry.head_to_index, entry.index_to_workdir] {
                    guard let d = delta?.pointee else { continue }
                    if let p = d.old_file.path { modified.insert(String(cString: p)) }
                    if let p = d.new_file.path { modified.insert(String(cString: p)) }
                }
            }
            if bits & GIT_STATUS_WT_NEW.rawValue != 0, let p = entry.index_to_workdir?.pointee.new_file.path {
                untracked.insert(String(cString: p))
            }
        }
        return WorkingTreeStatus(modified: modified.sorted(), untracked: untracked.sorted())
    }

    /// The repository state a run records. Never throws: an unreadable HEAD gives `head: nil`, a failing
    /// status gives `dirty: false`. Untracked files do not make the tree dirty.
    public func repoState() -> RepoState {
        let h = try? head()
        let dirty = (try? status(includeUntracked: false))?.isDirty ?? false
        return RepoState(head: h?.commit, branch: h?.branch, dirty: dirty)
    }

    /// Tracked-file lists of this process by index file, with the index file's identity when it was read:
    /// several audits and template steps in one command share one read while the index is unchanged
    /// (git replaces the index by rename, so any update changes its inode, size or mtime).
    private static let trackedMemo = Mutex<[String: (stamp: String, files: [TrackedFile])]>([:])

    private var indexFileStamp: (path: String, stamp: String)? {
        guard let gitdir = git_repository_path(repo) else { return nil }
        let path = String(cString: gitdir) + "index"
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return (path, "\(st.st_ino) \(st.st_size) \(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec) \(st.st_ctim.tv_sec).\(st.st_ctim.tv_nsec)")
    }

    /// Every file in the index, sorted by path. Reads index entries directly (no object lookups).
    public func trackedFiles() throws(GitError) -> [TrackedFile] {
        let stamp = indexFileStamp
        if let stamp, let kept = Self.trackedMemo.withLock({ $0[stamp.path] }), kept.stamp == stamp.stamp {
            return kept.files
        }
        let files = try readTrackedFiles()
        if let stamp {
            Self.trackedMemo.withLock { memo in
                // Bounded for long-lived processes serving many repositories: start over past 16.
                if memo.count >= 16 && memo[stamp.path] == nil { memo.removeAll() }
                memo[stamp.path] = (stamp.stamp, files)
            }
        }
        return files
    }

    private func readTrackedFiles() throws(GitError) -> [TrackedFile] {
        var out: OpaquePointer?
        try LibGit2.check(git_repository_index(&out, repo))
        guard let index = out else { return [] }
        defer { git_index_free(index) }
        try LibGit2.check(git_index_read(index, 0))  // picks up changes made since the repository was opened

        let count = git_index_entrycount(index)
        var files: [TrackedFile] = []
        files.reserveCapacity(count)
        var lastPath: UnsafePointer<CChar>?
        for i in 0..<count {
            guard let e = git_index_get_byindex(index, i), let cPath = e.pointee.path else { continue }
            // Conflicted paths have several stage entries in a row: keep the first.
            if let last = lastPath, strcmp(last, cPath) == 0 { continue }
            lastPath = cPath
            let entry = e.pointee
            files.append(TrackedFile(path: String(cString: cPath), size: Int64(entry.file_size),
                                     oid: LibGit2.hex(entry.id), mode: entry.mode))
        }
        if !Self.isSorted(files) { files.sort { $0.path < $1.path } }
        return files
    }

    /// Paths that differ between the tree of `ref` and the current index + work tree (like `git diff --name-only
    /// <ref>`, both sides of renames; untracked files are not included), sorted and deduplicated.
    public func changedPaths(since ref: String) throws(GitError) -> [String] {
        let object = try revparse(ref)
        defer { git_object_free(object) }
        var treeOut: OpaquePointer?
        let peel = git_object_peel(&treeOut, object, GIT_OBJECT_TREE)
        if peel == GIT_ENOTFOUND.rawValue || peel == GIT_EINVALIDSPEC.rawValue { throw .missingRef(ref) }
        try LibGit2.check(peel)
        guard let tree = treeOut else { throw .missingRef(ref) }
        defer { git_object_free(tree) }

        var opts = git_diff_options()
        try LibGit2.check(git_diff_options_init(&opts, UInt32(GIT_DIFF_OPTIONS_VERSION)))
        opts.ignore_submodules = GIT_SUBMODULE_IGNORE_DIRTY
        var diffOut: OpaquePointer?
        try LibGit2.check(git_diff_tree_to_workdir_with_index(&diffOut, repo, tree, &opts))
        guard let diff = diffOut else { return [] }
        defer { git_diff_free(diff) }

        var paths = Set<String>()
        for i in 0..<git_diff_num_deltas(diff) {
            guard let d = git_diff_get_delta(diff, i)?.pointee else { continue }
            if let p = d.old_file.path { paths.insert(String(cString: p)) }
            if let p = d.new_file.path { paths.insert(String(cString: p)) }
        }
        return paths.sorted()
    }

    private static func isSorted(_ files: [TrackedFile]) -> Bool {
        var i = 1
        while i < files.count {
            if !(files[i - 1].path < files[i].path) { return false }
            i += 1
        }
        return true
    }
}

extension GitRepository {
    /// A cheap fingerprint of what git status depends on besides file contents: where HEAD points and the
    /// index file's identity (inode, size, modification time). Changes when a commit, checkout, reset or
    /// `git add` happens; a plain edit of a tracked file does not change it.
    public func stateStamp() -> String {
        let h = try? head()
        return "\(h?.commit ?? "-") \(h?.branch ?? "-") \(indexFileStamp?.stamp ?? "no-index")"
    }
}
