import ArgumentParser
import SdetkitCore
import SdetkitEngine
import SdetkitRuntime
import SdetkitTemplates

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Plan and run a task under the policy engine, and record it in the history.",
        discussion: """
        TASK is 'action <name> <json-object>' (one action), one of health-check, status, list [PATH], read PATH, audit, or free text whose whole words the planner reads: template:<id> runs that template, 'audit' a repository audit, 'report' the HTML dashboard (docs/cli.md#tasks). Text that matches no rule is a run with no actions, with a note on stderr.
        Writes outside .sdetkit/agent/workdir and every shell.run need approval: --approve grants it; on a terminal you are asked; otherwise it is denied.
        Exit 0 when every action succeeded, 1 when one failed or was denied.
        """
    )

    @Argument(help: "The task.") var task: String
    @Flag(help: "Grant approval for writes outside the workdir and for commands.") var approve = false
    @Flag(name: .customLong("dry-run"), help: "Plan and check policy without executing or recording.") var dryRun = false
    @OptionGroup var output: JSONFlag

    func run() async throws {
        let ws = try CLI.workspace(approve: approve)
        let approval = CLI.approvalMode(approve: approve)
        let ran: TaskRun = dryRun
            ? .planned(try await ws.run(task: task, dryRun: true, approval: approval))
            : try await RunCoordinator.shared(for: ws).runTask(task, approval: approval, origin: nil)
        switch ran {
        case .planned(let result):
            if output.json { Output.json(result.json) } else { RunRendering.human(result) }
            if result.record.planner == "none" { Output.note(RunRendering.noRuleNote(result.record.task)) }
        case .template(let result):
            if let p = result.recordFileProblem { Output.warning(p) }
            if output.json { Output.json(result.json) } else { TemplatesCLI.render(result) }
        }
        if ran.run.record.status != .ok { throw RunExit.failed }
    }
}

enum RunRendering {
    static func human(_ result: RunResult) {
        let r = result.record
        let seq = result.entry.map { "run \($0.seq)" } ?? "dry run"
        Output.line("\(seq): \(r.status.rawValue)  hash \(result.hash.prefix(12))  (\(r.actions.count) action\(r.actions.count == 1 ? "" : "s"), planner rule '\(r.planner)')")
        for a in r.actions {
            let mark = a.denied ? "DENIED" : (a.ok ? "ok    " : "FAILED")
            Output.line("  \(mark) \(Output.pad(a.action, 12)) \(a.reason)")
        }
        for note in result.observation?.notes ?? [] { Output.line("  note: \(note)") }
    }

    /// The stderr line for a task no planner rule matched (control characters escaped: it stays one line).
    static func noRuleNote(_ task: String) -> String {
        var shown = ""
        for u in task.unicodeScalars {
            if u.value < 0x20 || u.value == 0x7F {
                shown += u == "\n" ? "\\n" : (u == "\t" ? "\\t" : "\\u{\(String(u.value, radix: 16))}")
            } else {
                shown.unicodeScalars.append(u)
            }
        }
        return "no rule matched '\(shown)'; nothing was run (task words: docs/cli.md#tasks)"
    }
}
