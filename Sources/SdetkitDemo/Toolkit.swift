import SdetkitCore
import SdetkitEngine
import SdetkitAudit

/// Wires every module's actions into one registry: the one used by the CLI, templates, the demo and replay.
public enum Toolkit {
    public static func registry() -> ActionRegistry {
        var r = ActionRegistry.builtin
        for a in RepoAuditAction.actions { r.register(a) }
        return r
    }
}

/// Re-runs a recorded run the way it was produced.
public enum Replayer {
    public static func replay(_ record: RunRecord, in ws: Workspace) async throws -> RunResult {
        switch record.kind {
        default:
            return try await ws.run(task: record.task, dryRun: false)
        }
    }
}
