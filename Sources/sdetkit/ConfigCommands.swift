import ArgumentParser
import SdetkitConfig
import SdetkitCore

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Validate, show or migrate .sdetkit/agent/config.yaml (reference: docs/config.md).",
        subcommands: [Validate.self, Show.self, Migrate.self]
    )

    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "validate",
            abstract: "Check config.yaml; exit 2 with 'config.yaml:LINE: …' on the first problem.")
        @OptionGroup var output: JSONFlag

        func run() throws {
            let layout = try CLI.repositoryLayout()
            let loaded = try ConfigLoader.load(layout: layout)
            for w in loaded.warnings { Output.warning(w) }
            if output.json {
                return Output.json(["ok": true, "legacy": .bool(loaded.isLegacy), "warnings": .array(loaded.warnings.map { .string($0) }),
                                    "digest": .string(loaded.config.digest)])
            }
            Output.line("\(StateLayout.relConfig): valid\(loaded.isLegacy ? " (legacy format; run 'sdetkit agent config migrate')" : "")")
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Print the effective config, defaults filled in.")
        @OptionGroup var output: JSONFlag

        func run() throws {
            let layout = try CLI.repositoryLayout()
            let loaded = try ConfigLoader.load(layout: layout)
            for w in loaded.warnings { Output.warning(w) }
            if output.json { return Output.json(loaded.config.json) }
            Output.stdout(ConfigRenderer.render(loaded.config, commented: false))
        }
    }

    struct Migrate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "migrate",
            abstract: "Rewrite a legacy (Python sdetkit) config as version 1, atomically, keeping a backup beside it.")
        @OptionGroup var output: JSONFlag

        func run() throws {
            let layout = try CLI.repositoryLayout()
            let result = try ConfigMigrator.migrate(layout: layout)
            if output.json {
                return Output.json(["migrated": .bool(result.migrated),
                                    "backup": .optional(result.backupPath.flatMap { layout.relative($0) } ?? result.backupPath),
                                    "dropped_keys": .array(result.droppedKeys.map { .string($0) }), "message": .string(result.message)])
            }
            Output.line(result.message)
        }
    }
}
