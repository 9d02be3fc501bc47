import SdetkitCore
import SdetkitPolicy

/// The one way actions write files: policy check on the resolved path at write time, then an atomic,
/// durable write. Returns the artifact (repo-relative path + digest) or a failed/denied result.
public enum PolicedFiles {
    public enum Outcome: Sendable {
        case written(Artifact, ApprovalState)
        case wouldWrite(String, ApprovalState)
        case denied(String, ApprovalState)
        case failed(String, ApprovalState)
    }

    public static func write(_ bytes: [UInt8], to path: String, name: String, action: String,
                             in context: ActionContext) -> Outcome {
        let decision = context.policy.checkWrite(path: path, action: action)
        guard decision.allowed, let rel = decision.resolvedRelativePath else {
            return .denied(decision.reason, decision.approval)
        }
        if context.dryRun { return .wouldWrite(rel, decision.approval) }
        let abs = context.layout.absolute(rel)
        do {
            // Re-check after creating parents (the tree changed): the resolved path must still be what policy approved.
            if !(try FileSystem.createDirectories(Path.dirname(abs))).isEmpty {
                let again = context.policy.checkWrite(path: rel, action: action)
                guard again.allowed, again.resolvedRelativePath == rel else { return .denied(again.reason, again.approval) }
            }
            // Into sdetkit's own output areas (no approval needed) the directory sync waits for the commit;
            // a write that needed approval lands in the user's tree and is durable at once.
            try FileSystem.writeAtomically(bytes, to: abs,
                                           directorySyncs: decision.approval == .notRequired ? context.directorySyncs : nil)
            context.workTree.noteWrite(relativePath: rel)
        } catch let e as UserFacingError {
            return .failed(e.message, decision.approval)
        } catch {
            return .failed("\(error)", decision.approval)
        }
        return .written(Artifact(name: name, path: rel, sha256: Digest.sha256Hex(bytes), bytes: bytes.count), decision.approval)
    }

    /// Converts a write outcome into an action result with the given params.
    public static func result(_ outcome: Outcome, action: String, params: JSONValue,
                              outputs: [String: JSONValue] = [:]) -> ActionResult {
        switch outcome {
        case .written(let art, let approval):
            var out = outputs
            out["path"] = .string(art.path)
            out["sha256"] = .string(art.sha256)
            return .succeeded(action, params, "wrote \(art.path)", approval: approval,
                              result: ["path": .string(art.path), "sha256": .string(art.sha256), "bytes": .int(art.bytes)],
                              outputs: out, artifacts: [art])
        case .wouldWrite(let rel, let approval):
            return .succeeded(action, params, "dry run: would write \(rel)", approval: approval,
                              result: ["path": .string(rel), "dry_run": true], outputs: ["path": .string(rel)])
        case .denied(let reason, let approval):
            return .denied(action, params, reason, approval: approval)
        case .failed(let reason, let approval):
            return .failed(action, params, reason, approval: approval)
        }
    }
}
