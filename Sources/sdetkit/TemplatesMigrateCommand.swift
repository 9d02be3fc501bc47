import ArgumentParser
import SdetkitCore
import SdetkitRuntime
import SdetkitTemplates

extension TemplatesCommand {
    struct Migrate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "migrate",
            abstract: "Rewrite Python sdetkit templates to this format: prints a diff, or applies it with --write (keeping FILE.bak).",
            discussion: """
                Default files: every templates/automations/*.yaml of this repository that needs a change. Removes kits.* steps \
                (not available here), maps audit profiles that are not profiles here to 'default', turns repo.audit's \
                output_json/output_sarif/output_md into outputs, and writes ${{run.output_dir}}/NAME outputs as NAME. \
                Comments and layout are kept; a file that would not validate afterwards is not rewritten. \
                Exit 0 when every file migrated (or needed nothing), 2 when one could not be. Reference: docs/templates.md.
                """)
        @Argument(help: "Template files to migrate.") var files: [String] = []
        @Flag(help: "Write the migrated files (atomically; the original is kept as FILE.bak).") var write = false
        @OptionGroup var output: JSONFlag

        func run() throws {
            let registry = Toolkit.registry()
            var targets: [(shown: String, path: String)] = files.map { ($0, Output.absolute($0)) }
            if files.isEmpty {
                let root = try CLI.repositoryLayout().repoRoot
                targets = TemplateCatalog.repoTemplateFiles(repoRoot: root).map { ($0, root + "/" + $0) }
            }
            var rows: [JSONValue] = []
            var failed = 0
            for t in targets {
                let text: String
                do { text = try FileSystem.readString(t.path) } catch {
                    failed += 1
                    Output.error("\(t.shown): \(error.message)")
                    continue
                }
                let m = TemplateMigrator.migrate(text: text, file: t.shown, registry: registry)
                var row: [String: JSONValue] = ["file": .string(t.shown), "changed": .bool(m.changed),
                                                "changes": .array(m.changes.map { ["line": .int($0.line), "change": .string($0.what)] }),
                                                "problems": .array(m.problems.map { .string($0.text) })]
                if !m.problems.isEmpty {
                    failed += 1
                    for p in m.problems { Output.stderr(p.text + "\n") }
                } else if m.changed {
                    if write {
                        let backup = try TemplateMigrator.write(m, to: t.path)
                        row["backup"] = .string(t.shown + ".bak")
                        if !output.json { Output.line("migrated \(t.shown): \(m.changes.count) change(s); original kept as \(TemplatesCLI.shown(backup))") }
                    } else if !output.json {
                        Output.stdout(m.diff)
                    }
                    row["diff"] = .string(m.diff)
                } else if !output.json, !files.isEmpty {
                    Output.line("unchanged \(t.shown): nothing to migrate")
                }
                rows.append(.object(row))
            }
            if output.json { Output.json(["ok": .bool(failed == 0), "written": .bool(write), "files": .array(rows)]) }
            if !write, !output.json, rows.contains(where: { $0["changed"] == .bool(true) }) {
                Output.stderr("sdetkit: the diff above is not applied; run again with --write to apply it\n")
            }
            if failed > 0 {
                Output.error("\(failed) file(s) could not be migrated")
                throw RunExit(code: ExitStatus.usage.rawValue)
            }
        }
    }
}
