import SdetkitCore
import SdetkitGit

/// `git.status {}`: HEAD, branch and changed paths, through libgit2.
public struct GitStatusAction: AgentAction {
    public let name = "git.status"
    public let summary = "Report HEAD, branch, and modified and untracked paths (libgit2)."
    /// Reads the repository state only.
    public func isolation(_ params: JSONValue) -> ActionIsolation { .confined }
    public init() {}

    public func run(_ params: JSONValue, in context: ActionContext) async -> ActionResult {
        let snapshot = context.workTree.snapshot()
        guard let head = snapshot.head, let status = snapshot.status else {
            return .failed(name, params, snapshot.error ?? "git.status: cannot read the repository")
        }
        // sdetkit's own state is never part of the answer (it changes with every run).
        let untracked = status.untracked.filter { !Path.isInside($0, StateLayout.relState) }
        let result: JSONValue = [
            "head": .optional(head.commit), "branch": .optional(head.branch), "detached": .bool(head.detached),
            "unborn": .bool(head.unborn), "dirty": .bool(status.isDirty),
            "modified": .array(status.modified.map { .string($0) }), "untracked": .array(untracked.map { .string($0) }),
        ]
        return .succeeded(name, params, head.unborn ? "no commits yet" : "HEAD \(head.commit?.prefix(12) ?? "")",
                          result: result, outputs: result.objectValue ?? [:])
    }
}
