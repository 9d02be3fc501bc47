import ArgumentParser
import SdetkitCore
import SdetkitRuntime
import SdetkitStore

extension HistoryCommand {
    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Import the Python sdetkit 1.2.0's run records (<sha256>.json) as runs of kind import.python.",
            discussion: "Each record becomes one run, in captured_at order, keeping its file's SHA-256, its hash and its time under 'imported'. Files already imported add nothing. A malformed file, or one whose content does not hash to its name, is named on stderr and skipped. Exit 0 when nothing was skipped, 2 when malformed files were skipped, 3 when a tampered file was (the others are imported either way).")
        @Option(help: "Directory holding the Python records (default: .sdetkit/agent/history).") var from: String?
        @OptionGroup var output: JSONFlag

        func run() async throws {
            let ws = try CLI.workspace()
            let shown = from ?? StateLayout.relHistory
            let directory = from.map(Output.absolute) ?? ws.layout.historyDir
            let report = try await LegacyImport.run(directory: directory, shownAs: shown, required: from != nil, in: ws)
            for problem in report.skipped { Output.stderr("sdetkit: skipped \(problem.message)\n") }
            if output.json {
                Output.json(report.json)
            } else {
                for i in report.imported {
                    Output.line("imported \(i.source.file) as run \(i.seq) (\(i.hash.prefix(12))): \(Display.oneLine(i.task, max: 60))")
                }
                Output.line(report.summary)
            }
            if report.exitStatus != .ok { throw RunExit(code: report.exitStatus.rawValue) }
        }
    }
}
