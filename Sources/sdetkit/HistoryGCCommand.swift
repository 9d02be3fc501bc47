import ArgumentParser
import SdetkitCore
import SdetkitStore

extension HistoryCommand {
    struct GC: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "gc",
            abstract: "Remove what interrupted runs left: unreferenced record objects and stale temp files.",
            discussion: """
            Like git gc: a record object no ledger entry references (a run killed between storing its record and \
            appending its ledger line) is garbage, not corruption. Removes such objects (loose, or by rewriting a \
            pack without them) while holding the ledger lock, and sdetkit's temp files (.<name>.tmp-<pid>-<n>) in \
            .sdetkit, .sdetkit/agent, its history, objects, workdir, template-runs and cache. Nothing younger than \
            --min-age is removed (default 1h), nor a temp file whose writer process is alive. When history verify \
            reports a problem, no object is removed (exit 3): an object an edited ledger no longer references is \
            evidence. See docs/history-format.md, "Interrupted runs and gc".
            """)
        @Option(name: .customLong("min-age"),
                help: "Remove only what is at least this old: seconds, or with s, m, h or d.")
        var minAge: GarbageAge = GarbageAge(seconds: HistoryStore.defaultGarbageAge)
        @Flag(name: .customLong("dry-run"), help: "Report what would be removed; remove nothing.") var dryRun = false
        @OptionGroup var output: JSONFlag

        func run() throws {
            let store = HistoryStore(layout: try CLI.repositoryLayout())
            let report = try store.collectGarbage(minimumAge: minAge.seconds, dryRun: dryRun)
            if output.json {
                Output.json(report.json)
            } else {
                let verb = dryRun ? "would remove" : "removed"
                if dryRun { for path in report.removed { Output.line("  \(path)") } }
                Output.line("history gc: \(verb) \(report.objects) unreferenced object(s) and \(report.tempFiles) temp file(s)"
                    + " (\(report.bytes) bytes)\(report.kept > 0 ? "; kept \(report.kept) younger than \(minAge.seconds)s or still being written" : "")")
            }
            if !report.ok {
                for p in report.problems { Output.stderr("sdetkit: integrity: [\(p.kind)] \(p.detail)\n") }
                Output.stderr("sdetkit: error: history verify reports \(report.problems.count) problem(s): gc removed no object\n")
                throw RunExit.integrity
            }
        }
    }
}

/// `--min-age`: whole seconds, optionally with a unit (`90`, `90s`, `30m`, `1h`, `2d`).
struct GarbageAge: ExpressibleByArgument {
    var seconds: Int

    init(seconds: Int) { self.seconds = seconds }

    init?(argument: String) {
        let units: [Character: Int] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        var text = Substring(argument)
        var unit = 1
        if let last = text.last, let u = units[last] {
            unit = u
            text = text.dropLast()
        }
        guard !text.isEmpty, text.allSatisfy(\.isASCII), let n = Int(text), n >= 0, n <= Int(Int32.max) else { return nil }
        seconds = n * unit
    }

    var defaultValueDescription: String { "1h" }
}
