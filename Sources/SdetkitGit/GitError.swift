import SdetkitCore

/// A git problem, said for a person: what is wrong, where, how to fix it. Always exit status 2 (usage).
public struct GitError: UserFacingError, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// No git work tree contains the path (`path` is where the search started).
        case notARepository(path: String)
        /// The repository found has no work tree.
        case bareRepository(path: String)
        /// A revision (`HEAD~1`, a branch, a tag, an id) that does not resolve.
        case missingRef(String)
        /// An object id that names no blob in the repository.
        case missingObject(String)
        /// `.git/index` cannot be read or parsed.
        case corruptIndex(detail: String)
        /// Any other libgit2 failure: its error code and message.
        case libgit2(code: Int32, message: String)
    }

    public let kind: Kind

    public init(_ kind: Kind) { self.kind = kind }

    public static func notARepository(_ path: String) -> GitError { GitError(.notARepository(path: path)) }
    public static func bareRepository(_ path: String) -> GitError { GitError(.bareRepository(path: path)) }
    public static func missingRef(_ ref: String) -> GitError { GitError(.missingRef(ref)) }
    public static func missingObject(_ oid: String) -> GitError { GitError(.missingObject(oid)) }
    public static func corruptIndex(_ detail: String) -> GitError { GitError(.corruptIndex(detail: detail)) }
    public static func libgit2(_ code: Int32, _ message: String) -> GitError {
        GitError(.libgit2(code: code, message: message))
    }

    public var exitStatus: ExitStatus { .usage }

    public var message: String {
        switch kind {
        case .notARepository(let path):
            return "not inside a git repository (searched from \(path)); "
                + "run sdetkit inside a git work tree or run 'git init'"
        case .bareRepository(let path):
            return "\(path) is a bare git repository (no work tree); run sdetkit inside a clone that has a work tree"
        case .missingRef(let ref):
            return "unknown git revision '\(ref)'; check it with 'git rev-parse --verify \(ref)' "
                + "(a branch, tag, commit id or an expression like HEAD~1)"
        case .missingObject(let oid):
            return "no git blob '\(oid)' in this repository; check it with 'git cat-file -t \(oid)'"
        case .corruptIndex(let detail):
            return "cannot read the git index (\(detail)); if .git/index is corrupt, rebuild it with "
                + "'rm .git/index && git reset' (staged changes are lost)"
        case .libgit2(let code, let message):
            return "git error (libgit2 \(code)): \(message)"
        }
    }

    public var description: String { message }
}
