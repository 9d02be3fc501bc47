import ArgumentParser
import SdetkitCore
import SdetkitDemo
import SdetkitRuntime
import SdetkitEngine

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run a demo scenario in this repository: audit, templates, dashboard, history export — offline.",
        discussion: """
        Initialises .sdetkit/ if needed, audits the repository, runs the scenario's templates under the policy engine, records every run, builds the dashboard (json, md, html, csv) and exports the history, then prints a short summary with the path of every artifact. Exit 0 only if every step succeeded. With SOURCE_DATE_EPOCH set, the artifacts are byte-identical across fresh copies of the same repository. Scenarios: docs/demo.md.
        """,
        aliases: ["example"]
    )

    @Option(help: "The scenario to run.") var scenario = "repo-enterprise-audit"
    @Flag(name: .customLong("list-scenarios"), help: "List the scenarios and exit.") var listScenarios = false
    @OptionGroup var output: JSONFlag

    func run() async throws {
        if listScenarios {
            if output.json {
                return Output.json(.array(DemoScenario.all.map { ["id": .string($0.id), "title": .string($0.title), "description": .string($0.description)] }))
            }
            for s in DemoScenario.all { Output.line(Output.pad(s.id, 24) + s.title) }
            return
        }
        guard let chosen = DemoScenario.named(scenario) else {
            throw SdetkitError("unknown scenario '\(scenario)'; see 'sdetkit agent demo --list-scenarios'")
        }
        let layout = try CLI.repositoryLayout()
        // The scenario's templates are read and parsed while the state folder is set up.
        async let templates = DemoRunner.templates(for: chosen, repoRoot: layout.repoRoot, registry: Toolkit.registry())
        _ = try StateInit.run(layout: layout, force: false)
        let ws = try CLI.workspace()
        let quiet = output.json
        let result = try await DemoRunner.run(chosen, in: ws, templates: await templates) { step in
            if !quiet { Output.stderr("demo: \(step)…\n") }
        }
        try ws.syncPendingWrites()
        if output.json {
            Output.json(result.json)
        } else {
            render(result)
        }
        if !result.ok { throw RunExit.failed }
    }

    func render(_ r: DemoResult) {
        Output.line("sdetkit demo — \(r.scenario.title) (\(r.scenario.id))")
        for n in r.notes { Output.line("note: \(n)") }
        Output.line("audit score: \(r.score.map { CanonicalJSON.formatNumber($0) } ?? "n/a") / 10")
        if !r.topFindings.isEmpty {
            Output.line("top findings:")
            for f in r.topFindings { Output.line("  \(Output.pad(f.severity, 9)) \(Output.pad(f.ruleID, 36)) \(f.location)") }
        }
        Output.line("runs recorded: \(r.runs.count) (seq \(r.runs.compactMap { $0.entry?.seq }.map(String.init).joined(separator: ", ")))")
        for run in r.runs {
            Output.line("  \(Output.pad(run.record.status.rawValue, 7)) \(run.hash.prefix(12))  \(run.record.task)")
        }
        Output.line("artifacts:")
        for a in r.artifacts { Output.line("  \(Output.pad(a.name, 40)) \(a.path)") }
        if r.problems.isEmpty {
            Output.line("status: ok — every step succeeded; open \(DemoRunner.outputDir(r.scenario))/dashboard.html")
        } else {
            Output.line("status: failed")
            for p in r.problems { Output.line("  problem: \(p)") }
        }
    }
}
