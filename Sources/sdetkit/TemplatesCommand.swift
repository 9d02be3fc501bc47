import ArgumentParser
import SdetkitCore
import SdetkitDemo
import SdetkitRuntime
import SdetkitEngine
import SdetkitTemplates

struct TemplatesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "templates",
        abstract: "List, validate, run, pack and verify automation templates (reference: docs/templates.md).",
        discussion: "Templates are the shipped pack (built into sdetkit) plus this repository's templates/automations/*.yaml; a repository template replaces a shipped one with the same id. Each run is one recorded run in the history.",
        subcommands: [List.self, Show.self, Validate.self, Run.self, RunAll.self, Migrate.self, Pack.self, Verify.self]
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "Every discovered template: id, version, source (shipped or repo path), title.")
        @OptionGroup var output: JSONFlag

        func run() throws {
            let catalog = TemplatesCLI.catalog()
            TemplatesCLI.warnInvalid(catalog)
            if output.json { return Output.json(.array(catalog.templates.map(\.summaryJSON))) }
            Output.line(Output.pad("ID", 30) + Output.pad("VERSION", 10) + Output.pad("SOURCE", 42) + "TITLE")
            for t in catalog.templates {
                Output.line(Output.pad(t.id, 30) + Output.pad(t.template.metadata.version, 10) + Output.pad(t.source, 42) + t.template.metadata.title)
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "One template: metadata, inputs, steps and outputs.")
        @Argument(help: "Template id.") var id: String
        @OptionGroup var output: JSONFlag

        func run() throws {
            let found = try TemplatesCLI.catalog().find(id)
            let t = found.template
            if output.json {
                guard case .object(var o) = t.json else { return Output.json(t.json) }
                o["source"] = .string(found.source)
                return Output.json(.object(o))
            }
            Output.line("\(t.id) \(t.metadata.version) — \(t.metadata.title)")
            Output.line("source  \(found.source)\(found.overridesShipped ? " (replaces the shipped template)" : "")")
            if !t.metadata.description.isEmpty { Output.line("about   \(t.metadata.description)") }
            if !t.metadata.tags.isEmpty { Output.line("tags    \(t.metadata.tags.joined(separator: ", "))") }
            Output.line("digest  sha256:\(t.digest)")
            if !t.inputs.isEmpty { Output.line("inputs:") }
            for i in t.inputs {
                var spec = i.type.rawValue
                if let d = i.defaultValue { spec += ", default '\(Interpolation.text(d))'" }
                if i.required { spec += ", required" }
                if let a = i.allowed { spec += ", one of " + a.map(Interpolation.text).joined(separator: "|") }
                Output.line("  \(Output.pad(i.name, 18)) \(spec)\(i.description.isEmpty ? "" : " — \(i.description)")")
            }
            Output.line("steps:")
            for s in t.workflow {
                var extra: [String] = []
                if let w = s.rawWhen { extra.append("when \(w)") }
                if s.retries.max > 0 { extra.append("retries \(s.retries.max)") }
                if let to = s.timeoutSeconds { extra.append("timeout \(Interpolation.text(.number(to))) s") }
                if s.continueOnError { extra.append("continue_on_error") }
                Output.line("  \(Output.pad(s.id, 18)) \(s.action)\(extra.isEmpty ? "" : "  (" + extra.joined(separator: ", ") + ")")")
            }
            for o in t.outputs { Output.line("output  \(o.name) = \(o.value)") }
        }
    }

    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "validate",
            abstract: "Check template files (default: every discovered template); problems as FILE:LINE: … on stderr, exit 2.")
        @Argument(help: "Template files to check.") var files: [String] = []
        @OptionGroup var output: JSONFlag

        func run() throws {
            let registry = Toolkit.registry()
            var issues: [TemplateIssue] = []
            var valid: [(file: String, id: String)] = []
            if files.isEmpty {
                let catalog = TemplatesCLI.catalog()
                issues = catalog.issues
                valid = catalog.templates.map { ($0.source == TemplateCatalog.shippedSource ? TemplateCatalog.shippedLabel($0.id + ".yaml") : $0.source, $0.id) }
            } else {
                for f in files {
                    switch TemplateCatalog.check(path: Output.absolute(f), shownAs: f, registry: registry) {
                    case .success(let t): valid.append((f, t.id))
                    case .failure(let e): issues += e.issues
                    }
                }
            }
            if output.json {
                Output.json(["ok": .bool(issues.isEmpty), "valid": .array(valid.map { ["file": .string($0.file), "id": .string($0.id)] }),
                             "issues": .array(issues.map { ["file": .string($0.file), "line": $0.line.map { .int($0) } ?? .null, "problem": .string($0.problem)] })])
            } else {
                for v in valid { Output.line("valid    \(v.file) (\(v.id))") }
            }
            guard issues.isEmpty else {
                for i in issues { Output.stderr(i.text + "\n") }
                Output.error("\(issues.count) problem(s) in \(Set(issues.map(\.file)).count) template file(s)")
                throw RunExit(code: ExitStatus.usage.rawValue)
            }
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Run a template as one recorded run; exit 0 ok, 1 failed or denied, 2 input error.",
            discussion: "Outputs go to .sdetkit/agent/template-runs/ID/ (or --output-dir, repo-relative) with run-record.json. Values from --set are text inside the template's strings: they never widen policy.")
        @Argument(help: "Template id.") var id: String
        @Option(name: .customLong("set"), help: "Input value NAME=VALUE (repeatable).") var assignments: [String] = []
        @Flag(help: "Grant approval for writes outside the workdir/output dir and for commands.") var approve = false
        @Option(name: .customLong("output-dir"), help: "Repo-relative output directory.") var outputDir: String?
        @OptionGroup var output: JSONFlag

        func run() async throws {
            let ws = try CLI.workspace(approve: approve)
            let found = try TemplateCatalog.discover(repoRoot: ws.layout.repoRoot, registry: ws.registry).find(id)
            let inputs = try TemplateInputs.resolve(found.template, sets: assignments)
            let result = try await RunCoordinator.shared(for: ws).runTemplate(found.template, inputs: inputs, outputDir: outputDir,
                                                                              approval: CLI.approvalMode(approve: approve), origin: nil)
            if let p = result.recordFileProblem { Output.warning(p) }
            if output.json { Output.json(result.json) } else { TemplatesCLI.render(result) }
            if result.status != .ok { throw RunExit.failed }
        }
    }

    struct RunAll: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run-all",
            abstract: "Run every discovered template with its defaults, one recorded run each; exit 0 only if all are ok.")
        @Flag(help: "Grant approval for writes outside the workdir/output dir and for commands.") var approve = false
        @OptionGroup var output: JSONFlag

        func run() async throws {
            let ws = try CLI.workspace(approve: approve)
            let catalog = TemplateCatalog.discover(repoRoot: ws.layout.repoRoot, registry: ws.registry)
            TemplatesCLI.warnInvalid(catalog)
            var rows: [JSONValue] = []
            var allOK = catalog.invalid.isEmpty
            try await TemplateRunner.runAll(catalog.templates.map(\.template), in: ws) { i, outcome in
                let found = catalog.templates[i]
                var row: [String: JSONValue] = ["id": .string(found.id), "source": .string(found.source)]
                switch outcome {
                case .success(let r):
                    row["status"] = .string(r.status.rawValue)
                    row["hash"] = .string(r.run.hash)
                    row["seq"] = r.run.entry.map { .int($0.seq) } ?? .null
                    row["output_dir"] = .string(r.outputDir)
                    row["problem"] = .optional(r.run.record.firstProblem)
                    if r.status != .ok { allOK = false }
                    if !output.json {
                        Output.line("\(Output.pad(r.status.rawValue, 7)) \(Output.pad(found.id, 30)) run \(r.run.entry.map { String($0.seq) } ?? "-")  \(r.run.hash.prefix(12))"
                                    + (r.run.record.firstProblem.map { "  \($0)" } ?? ""))
                    }
                case .failure(let e as UserFacingError):
                    allOK = false
                    row["status"] = "error"
                    row["problem"] = .string(e.message)
                    if !output.json { Output.line("\(Output.pad("error", 7)) \(Output.pad(found.id, 30)) \(e.message)") }
                case .failure(let e):
                    throw e
                }
                rows.append(.object(row))
            }
            try ws.syncPendingWrites()  // the last run-record.json (each commit synced the ones before)
            if output.json {
                Output.json(["ok": .bool(allOK), "runs": .array(rows)])
            } else {
                let good = rows.filter { $0["status"]?.stringValue == "ok" }.count
                Output.line("\(good) of \(rows.count) template(s) ok\(catalog.invalid.isEmpty ? "" : "; \(catalog.invalid.count) invalid template file(s) skipped")")
            }
            if !allOK { throw RunExit.failed }
        }
    }

    struct Pack: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pack",
            abstract: "Write every discovered template into a reproducible tar with SHA256SUMS (and SHA256SUMS.sig with --sign-key).",
            discussion: "The key file holds a 32-byte Ed25519 private key: raw bytes, 64 hex digits, base64, or the PEM of 'openssl genpkey -algorithm ed25519'.")
        @Option(help: "Output file, or - for stdout (default: .sdetkit/agent/workdir/templates-pack.tar).") var output: String?
        @Option(name: .customLong("sign-key"), help: "Ed25519 private key file to sign SHA256SUMS with.") var signKey: String?
        @OptionGroup var json: JSONFlag

        func run() throws {
            let catalog = TemplatesCLI.catalog()
            guard catalog.invalid.isEmpty else {
                for i in catalog.issues { Output.stderr(i.text + "\n") }
                throw SdetkitError("cannot pack: \(catalog.invalid.count) template file(s) are invalid; fix them or run 'sdetkit agent templates validate'")
            }
            let key = try signKey.map { try SigningKeys.privateKey(file: Output.absolute($0)) }
            let built = try TemplatePack.build(catalog.templates.map(\.template), signingKey: key)
            var target = output ?? "-"
            if output == nil {
                let layout = try CLI.repositoryLayout()
                try FileSystem.createDirectories(layout.workdir)
                target = layout.workdir + "/templates-pack.tar"
            }
            try Output.deliver(built.bytes, to: target)
            if target == "-" { return }
            let shown = TemplatesCLI.shown(target)
            if json.json {
                Output.json(["output": .string(shown), "sha256": .string(Digest.sha256Hex(built.bytes)), "bytes": .int(built.bytes.count),
                             "templates": .array(built.files.map { .string($0) }), "signed": .bool(built.publicKey != nil),
                             "public_key": .optional(built.publicKey)])
            } else {
                Output.line("packed \(built.files.count) template(s) into \(shown) (sha256 \(Digest.sha256Hex(built.bytes).prefix(16))…)")
                if let pk = built.publicKey { Output.line("signed; public key \(pk)") }
            }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Check a pack's SHA256SUMS (and signature with --public-key); exit 3 when anything does not match.")
        @Argument(help: "Pack file.") var file: String
        @Option(name: .customLong("public-key"), help: "Ed25519 public key file (raw, hex, base64 or PEM).") var publicKey: String?
        @OptionGroup var output: JSONFlag

        func run() throws {
            let bytes: [UInt8]
            do { bytes = try FileSystem.readBytes(Output.absolute(file)) } catch { throw SdetkitError("cannot read pack: \(error.message)") }
            let key = try publicKey.map { try SigningKeys.publicKey(file: Output.absolute($0)) }
            let v = try TemplatePack.verify(bytes, publicKey: key)
            if output.json {
                return Output.json(["ok": true, "files": .array(v.files.map { .string($0) }), "signature": .string(v.signature.rawValue)])
            }
            let sig: String
            switch v.signature {
            case .valid: sig = "signature valid"
            case .unsigned: sig = "not signed"
            case .notChecked: sig = "signed, signature not checked (give --public-key)"
            }
            Output.line("pack verified: \(v.files.count) file(s), every checksum matches; \(sig)")
        }
    }
}

enum TemplatesCLI {
    /// Discovery from the current repository (shipped templates only outside a repository).
    static func catalog() -> TemplateCatalog {
        TemplateCatalog.discover(repoRoot: try? CLI.repositoryLayout().repoRoot, registry: Toolkit.registry())
    }

    static func warnInvalid(_ catalog: TemplateCatalog) {
        for f in catalog.invalid {
            let shadow = f.shadowsShipped ? " (the shipped template '\(f.id ?? "")' is not used in its place)" : ""
            Output.warning("\(f.issues.first?.text ?? f.file) — template skipped\(shadow); see 'sdetkit agent templates validate'")
        }
    }

    /// A path as the user sees it: repo-relative inside the repository, else as absolute.
    static func shown(_ path: String) -> String {
        let abs = Output.absolute(path)
        if let layout = try? CLI.repositoryLayout(), let rel = layout.relative(FileSystem.realPath(abs) ?? abs) { return rel }
        return path
    }

    static func render(_ r: TemplateRunResult) {
        let rec = r.run.record
        let id = rec.templateID ?? "?"
        Output.line("run \(r.run.entry.map { String($0.seq) } ?? "-"): \(rec.status.rawValue)  hash \(r.run.hash.prefix(12))  (template \(id), \(rec.actions.count) step(s))")
        for a in rec.actions {
            let mark = a.denied ? "DENIED" : (!a.ok ? "FAILED" : (a.result["skipped"] == .bool(true) ? "skip  " : "ok    "))
            Output.line("  \(mark) \(Output.pad(a.step ?? "", 14)) \(Output.pad(a.action, 16)) \(a.reason)")
        }
        for art in rec.artifacts { Output.line("  artifact \(art.path)") }
        if let rf = r.recordFile { Output.line("  record   \(rf)") }
        for (k, v) in r.outputs.sorted(by: { $0.key < $1.key }) { Output.line("  output   \(k) = \(Interpolation.text(v))") }
    }
}
