/// Where HEAD points.
public struct HeadState: Sendable, Hashable {
    /// The commit id (hex) HEAD resolves to; nil on an unborn branch.
    public var commit: String?
    /// The branch HEAD names (`main`, without `refs/heads/`); nil when detached.
    public var branch: String?
    /// HEAD points straight at a commit.
    public var detached: Bool
    /// HEAD names a branch that has no commits yet (fresh `git init`).
    public var unborn: Bool

    public init(commit: String?, branch: String?, detached: Bool, unborn: Bool) {
        self.commit = commit
        self.branch = branch
        self.detached = detached
        self.unborn = unborn
    }
}

/// A file recorded in the index (stage 0, or the first conflict stage of a conflicted path).
public struct TrackedFile: Sendable, Hashable {
    /// Repo-relative path with `/` separators.
    public var path: String
    /// Size recorded in the index (the work-tree size at the last `git add`/refresh; truncated to 32 bits by git).
    public var size: Int64
    /// Blob id (hex); for a submodule, the commit id it pins.
    public var oid: String
    /// Git file mode: 0o100644, 0o100755, 0o120000 (symlink), 0o160000 (submodule).
    public var mode: UInt32
    public var isSymlink: Bool
    public var isSubmodule: Bool

    public init(path: String, size: Int64, oid: String, mode: UInt32) {
        self.path = path
        self.size = size
        self.oid = oid
        self.mode = mode
        self.isSymlink = mode & 0o170000 == 0o120000
        self.isSubmodule = mode & 0o170000 == 0o160000
    }
}

/// What `git status` would show, split into tracked changes and untracked files.
public struct WorkingTreeStatus: Sendable, Hashable {
    /// Tracked paths changed in the index or the work tree relative to HEAD (modified, added to the index,
    /// deleted, type-changed, conflicted), sorted.
    public var modified: [String]
    /// Untracked, not ignored, files (directories are recursed), sorted. Empty unless asked for.
    public var untracked: [String]

    /// True when tracked content changed; untracked files alone do not make a tree dirty.
    public var isDirty: Bool { !modified.isEmpty }

    public init(modified: [String], untracked: [String]) {
        self.modified = modified
        self.untracked = untracked
    }
}
