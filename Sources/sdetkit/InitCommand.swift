import ArgumentParser
import SdetkitCore
import SdetkitEngine
import SdetkitRuntime

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
