import ArgumentParser
import SdetkitCore
import SdetkitReports

struct DashboardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "Build the history dashboard: json, Markdown (for $GITHUB_STEP_SUMMARY), self-contained html, csv.",
        subcommands: [Build.self]
    )

    enum FormatChoice: String, ExpressibleByArgument, CaseIterable {
        case json, md, html, csv, all
    }

    struct Build: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "build",
            abstract: "Compute the dashboard from the history index and write it (metric definitions: docs/dashboard.md).",
            discussion: """
            Without --output a format lands in .sdetkit/agent/workdir/dashboard.<ext>; '--output -' writes to stdout. \
            --format all writes json, md, html and csv, taking --output as a path stem (extensions added). \
            With SOURCE_DATE_EPOCH set the output is byte-identical on every build. Prints the paths written.
            """
        )
        @Option(help: "json, md, html, csv or all.") var format: FormatChoice = .html
        @Option(help: "Output file, - for stdout, or with --format all a path stem.") var output: String?
        @Option(name: .customLong("summary-output"), help: "Also write the Markdown summary here (e.g. \"$GITHUB_STEP_SUMMARY\").")
        var summaryOutput: String?
        @Option(help: "Only runs captured at or after DATE (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ).") var since: String?
        @Option(help: "Only runs captured before DATE; a bare YYYY-MM-DD includes that whole day.") var until: String?
        @Option(help: "Only runs of this template id.") var template: String?
        @Option(help: "Only runs with this status: ok, failed or denied.") var status: String?
        @Option(name: .customLong("csv-table"), help: "runs (one row per run, as 'history export --format csv') or summary (key,value).")
        var csvTable: CSVTable = .runs
        @Flag(help: "Start the csv with a UTF-8 byte-order mark (for Excel and LibreOffice); other formats are unchanged.")
        var bom = false

        func validate() throws {
            if format == .all && output == "-" {
                throw ValidationError("--format all writes four files; give --output a path stem, not -")
            }
            if bom && format != .csv && format != .all {
                throw ValidationError("--bom is for --format csv (or all, where it marks the csv file only)")
            }
            if output == "-" && summaryOutput == "-" {
                throw ValidationError("--output and --summary-output cannot both be - (stdout)")
            }
        }

        func run() throws {
            let ws = try CLI.workspace()
            let filter = try DashboardFilter.parse(since: since, until: until, template: template, status: status)
            let options = DashboardOptions(filter: filter,
                                           slo: SLOTargets(successRate: ws.config.slo.successRate, p95DurationMs: ws.config.slo.p95DurationMs),
                                           actionBudget: ws.config.budgets.maxActions)
            let dashboard = Dashboard(store: ws.store, options: options, clock: ws.clock)
            if let warning = ws.store.headCheckWarning() { Output.warning(warning) }

            // (format, where, shown name); "-" is stdout.
            var targets: [(DashboardFormat, String, String)] = []
            let defaultStem = StateLayout.relWorkdir + "/dashboard"
            func place(_ f: DashboardFormat, _ given: String?, stem: Bool) throws -> (String, String) {
                guard let given else {
                    try FileSystem.createDirectories(ws.layout.workdir)
                    let rel = "\(defaultStem).\(f.fileExtension)"
                    return (ws.layout.absolute(rel), rel)
                }
                if given == "-" { return ("-", "-") }
                let name = stem ? "\(given).\(f.fileExtension)" : given
                return (Output.absolute(name), name)
            }
            if format == .all {
                for f in DashboardFormat.allCases {
                    let (path, shown) = try place(f, output, stem: true)
                    targets.append((f, path, shown))
                }
            } else if let f = DashboardFormat(rawValue: format.rawValue) {
                let (path, shown) = try place(f, output, stem: false)
                targets.append((f, path, shown))
            }
            if let summaryOutput {
                targets.append((.md, summaryOutput == "-" ? "-" : Output.absolute(summaryOutput), summaryOutput))
            }

            // The summary is computed once, and only when a format needs it (the runs csv streams on its own).
            var summary: DashboardSummary?
            func render(_ f: DashboardFormat, _ sink: ([UInt8]) throws -> Void) throws {
                if f == .csv && bom { try sink(CSV.byteOrderMark) }
                if f == .csv && csvTable == .runs { return try dashboard.exportRuns(sink: sink) }
                if summary == nil { summary = try dashboard.summary() }
                if let summary { try dashboard.render(f, summary: summary, csvTable: csvTable, sink: sink) }
            }
            var written: [String] = []
            for (f, path, shown) in targets {
                if path == "-" {
                    try render(f) { Output.write(1, $0) }
                } else {
                    let writer = try AtomicStreamWriter(path: path)
                    try render(f) { try writer.write($0) }
                    try writer.commit()
                    written.append(shown)
                }
            }
            // Paths go to stdout only when stdout is not carrying a dashboard itself.
            if !targets.contains(where: { $0.1 == "-" }) {
                for w in written { Output.line(w) }
            }
        }
    }
}

extension CSVTable: ExpressibleByArgument {}
