import CLibGit2
import SdetkitCore

/// An open, non-bare git repository. Not thread-safe: use one instance per thread (opening is cheap).
public final class GitRepository {
    let repo: OpaquePointer
    /// Absolute real path of the work tree root, no trailing slash.
    public let workdir: String

    private init(repo: OpaquePointer, startedFrom: String) throws(GitError) {
        guard git_repository_is_bare(repo) == 0, let wd = git_repository_workdir(repo) else {
            let gitdir = git_repository_path(repo).map { String(cString: $0) } ?? startedFrom
            git_repository_free(repo)
            throw .bareRepository(Self.trimSlash(gitdir))
        }
        let raw = String(cString: wd)
        self.repo = repo
        self.workdir = Self.trimSlash(FileSystem.realPath(raw) ?? raw)
    }

    deinit { git_repository_free(repo) }

    /// Finds the repository containing `path` like git does (walking up to the root); refuses bare repositories.
    public static func discover(from path: String) throws(GitError) -> GitRepository {
        try openRepository(path, flags: 0)
    }

    /// Opens the repository whose work tree root is exactly `workdir` (no search upwards).
    public static func open(workdir: String) throws(GitError) -> GitRepository {
        try openRepository(workdir, flags: GIT_REPOSITORY_OPEN_NO_SEARCH.rawValue)
    }

    private static func openRepository(_ path: String, flags: UInt32) throws(GitError) -> GitRepository {
        LibGit2.ensureInitialized()
        let shown = FileSystem.realPath(path) ?? path
        var out: OpaquePointer?
        let rc = git_repository_open_ext(&out, path, flags, nil)
        if rc == GIT_ENOTFOUND.rawValue { throw .notARepository(shown) }
        try LibGit2.check(rc)
        guard let repo = out else { throw .notARepository(shown) }
        return try GitRepository(repo: repo, startedFrom: shown)
    }

    private static func trimSlash(_ p: String) -> String {
        var s = p
        while s.count > 1 && s.hasSuffix("/") { s.removeLast() }
        return s
    }

    /// The libgit2 version linked in, e.g. "1.5.1".
    public static var libgit2Version: String { LibGit2.version }

    /// Where HEAD points: a branch (possibly unborn, i.e. without commits) or a detached commit.
    public func head() throws(GitError) -> HeadState {
        var ref: OpaquePointer?
        try LibGit2.check(git_reference_lookup(&ref, repo, "HEAD"))
        guard let ref else { throw .missingRef("HEAD") }
        defer { git_reference_free(ref) }
        if git_reference_type(ref) == GIT_REFERENCE_SYMBOLIC {
            guard let targetC = git_reference_symbolic_target(ref) else { throw .missingRef("HEAD") }
            let target = String(cString: targetC)
            let prefix = "refs/heads/"
            let branch = target.hasPrefix(prefix) ? String(target.dropFirst(prefix.count)) : target
            var oid = git_oid()
            let rc = git_reference_name_to_id(&oid, repo, targetC)
            if rc == GIT_ENOTFOUND.rawValue {
                return HeadState(commit: nil, branch: branch, detached: false, unborn: true)
            }
            try LibGit2.check(rc)
            return HeadState(commit: LibGit2.hex(oid), branch: branch, detached: false, unborn: false)
        }
        guard let oid = git_reference_target(ref) else { throw .missingRef("HEAD") }
        return HeadState(commit: LibGit2.hex(oid.pointee), branch: nil, detached: true, unborn: false)
    }

    /// The commit id (hex) a revision names (`HEAD`, `HEAD~1`, a branch, a tag, an abbreviated id).
    public func resolve(ref: String) throws(GitError) -> String {
        let object = try revparse(ref)
        defer { git_object_free(object) }
        var commit: OpaquePointer?
        try LibGit2.check(git_object_peel(&commit, object, GIT_OBJECT_COMMIT))
        guard let commit else { throw .missingRef(ref) }
        defer { git_object_free(commit) }
        guard let id = git_object_id(commit) else { throw .missingRef(ref) }
        return LibGit2.hex(id.pointee)
    }

    /// The raw bytes of a blob (no filters applied). Accepts abbreviated ids (4+ hex digits).
    public func blob(oid: String) throws(GitError) -> [UInt8] {
        guard LibGit2.isHexID(oid) else { throw .missingObject(oid) }
        var id = git_oid()
        let n = oid.utf8.count
        try LibGit2.check(git_oid_fromstrn(&id, oid, n))
        var out: OpaquePointer?
        let rc = git_blob_lookup_prefix(&out, repo, &id, n)
        if rc == GIT_ENOTFOUND.rawValue || rc == GIT_EINVALIDSPEC.rawValue { throw .missingObject(oid) }
        try LibGit2.check(rc)
        guard let blob = out else { throw .missingObject(oid) }
        defer { git_blob_free(blob) }
        let size = Int(git_blob_rawsize(blob))
        guard size > 0, let content = git_blob_rawcontent(blob) else { return [] }
        return [UInt8](UnsafeRawBufferPointer(start: content, count: size))
    }

    /// `git_revparse_single`, with unknown or malformed revisions reported as `missingRef`.
    func revparse(_ ref: String) throws(GitError) -> OpaquePointer {
        var out: OpaquePointer?
        let rc = git_revparse_single(&out, repo, ref)
        if rc == GIT_ENOTFOUND.rawValue || rc == GIT_EINVALIDSPEC.rawValue || rc == GIT_EAMBIGUOUS.rawValue
            || rc == GIT_EUNBORNBRANCH.rawValue {
            throw .missingRef(ref)
        }
        try LibGit2.check(rc)
        guard let out else { throw .missingRef(ref) }
        return out
    }
}

/// One instance per thread: libgit2 repository handles must not be shared across threads.
@available(*, unavailable)
extension GitRepository: Sendable {}
