import ArgumentParser
import SdetkitCore
import SdetkitEngine

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create .sdetkit/agent/ (config.yaml, history/, workdir/, cache/) in this repository.",
        discussion: "Idempotent: reports what it created and what already existed. Never overwrites config.yaml without --force. State files are git-ignored; only the config may show in 'git status'."
    )

    @Flag(help: "Overwrite an existing config.yaml with the defaults.") var force = false
    @OptionGroup var output: JSONFlag

    func run() throws {
        let layout = try CLI.repositoryLayout()
        let report = try StateInit.run(layout: layout, force: force)
        if output.json { return Output.json(report.json) }
        for c in report.created { Output.line("created  \(c)") }
        for e in report.existed { Output.line("exists   \(e)") }
        if report.overwroteConfig { Output.line("config.yaml replaced with the defaults (--force)") }
    }
}

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Plan and run a task under the policy engine, and record it in the history.",
        discussion: """
        TASK is 'action <name> <json-object>' (one action) or free text for the rule-based planner: health-check, status, list [PATH], read PATH, audit. Unrecognised text is a run with no actions.
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
        let result = dryRun
            ? try await ws.run(task: task, dryRun: true, approval: approval)
            : try await RunCoordinator.shared(for: ws).perform(.task(task), approval: approval, origin: nil)
        if output.json {
            Output.json(result.json)
        } else {
            RunRendering.human(result)
        }
        if result.record.status != .ok { throw RunExit.failed }
    }
}

struct ActionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "actions", abstract: "List the actions runs and templates may use.")
    @OptionGroup var output: JSONFlag

    func run() throws {
        let registry = SdetkitRuntime.Toolkit.registry()
        if output.json {
            return Output.json(.array(registry.all.map { ["name": .string($0.name), "summary": .string($0.summary)] }))
        }
        for a in registry.all { Output.line(Output.pad(a.name, 18) + a.summary) }
    }
}

import SdetkitRuntime

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
}
