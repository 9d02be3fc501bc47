import ArgumentParser
import SdetkitCore
import SdetkitDemo
import SdetkitRuntime
import SdetkitEngine
import SdetkitStore

struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "List, show, verify, replay, export and import recorded runs.",
        subcommands: [List.self, Show.self, Verify.self, Replay.self, Export.self, Reindex.self, Pack.self, GC.self, Import.self, HistoryCheckpoint.self]
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "Recorded runs, newest first (from the index).")
        @Option(help: "At most N runs.") var limit = 20
        @Option(help: "Only runs with this status: ok, failed or denied.") var status: String?
        @OptionGroup var output: JSONFlag

        func validate() throws {
            guard limit >= 0 else { throw ValidationError("--limit must be ≥ 0") }
            if let status, RunStatus(rawValue: status) == nil {
                throw ValidationError("--status must be ok, failed or denied, got '\(status)'")
            }
        }

        func run() throws {
            let store = HistoryStore(layout: try CLI.repositoryLayout())
            let runs = try store.list(limit: limit, status: status)
            if let note = store.legacyNote() { Output.stderr(note + "\n") }
            if let warning = store.headCheckWarning() { Output.warning(warning) }
            if output.json { return Output.json(.array(runs.map(\.json))) }
            if runs.isEmpty { return Output.line("no runs recorded yet; try 'sdetkit agent run health-check'") }
            Output.line("SEQ     CAPTURED              STATUS  HASH          TASK")
            for r in runs {
                Output.line(Output.pad(String(r.seq), 8) + Output.pad(r.capturedAt, 22) + Output.pad(r.status, 8)
                            + Output.pad(String(r.hash.prefix(12)), 14) + Display.oneLine(r.task, max: 60))
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "One run: its record and observed metadata. REF is a sequence number, a hash, or a hash prefix (≥ 7).")
        @Argument(help: "Sequence number, hash, or unique hash prefix.") var ref: String
        @OptionGroup var output: JSONFlag

        func run() throws {
            let store = HistoryStore(layout: try CLI.repositoryLayout())
            let run = try store.resolve(ref)
            let record = try store.record(hash: run.hash)
            let entry = try store.ledgerEntry(seq: run.seq)
            let result = RunResult(record: record, entry: entry, observation: entry?.observation)
            if output.json { return Output.json(result.json) }
            Output.line("seq \(run.seq)  \(run.capturedAt)  \(record.status.rawValue)  \(record.kind)")
            Output.line("hash   \(run.hash)")
            Output.line("task   \(Display.oneLine(record.task, max: 200))")
            Output.line("repo   \(record.repo.branch ?? "(no branch)") @ \(record.repo.head ?? "(no commit)")\(record.repo.dirty ? " (dirty)" : "")")
            for s in record.steps { Output.line("  [\(s.role)] \(s.detail)") }
            for a in record.actions {
                Output.line("  \(a.denied ? "DENIED" : (a.ok ? "ok    " : "FAILED")) \(Output.pad(a.action, 12)) \(a.reason)")
            }
            for art in record.artifacts { Output.line("  artifact \(art.path) sha256:\(art.sha256.prefix(12))") }
            if let src = record.imported {
                Output.line("imported from \(src.format) \(src.file) (sha256 \(src.sha256), captured \(src.capturedAt), status \(src.status))")
            }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Recompute every record hash and the ledger chain, cross-check the index; exit 3 naming each problem.",
            discussion: "With --checkpoint FILE (repeatable) and --public-key KEY: also prove the history extends each signed checkpoint ('history checkpoint'); exit 3 when it does not, 2 when a checkpoint cannot be read or its signature does not verify with KEY.")
        @Option(help: "A checkpoint file written by 'history checkpoint' (repeatable).") var checkpoint: [String] = []
        @Option(name: .customLong("public-key"), help: "Ed25519 public key file the checkpoints are signed with.") var publicKey: String?
        @OptionGroup var output: JSONFlag

        func validate() throws {
            if !checkpoint.isEmpty && publicKey == nil { throw ValidationError("--checkpoint needs --public-key KEY (the key it was signed with)") }
            if checkpoint.isEmpty && publicKey != nil { throw ValidationError("--public-key is for --checkpoint FILE") }
        }

        func run() throws {
            let store = HistoryStore(layout: try CLI.repositoryLayout())
            let checkpoints = try publicKey.map { try CheckpointVerification.open(checkpoint, publicKey: $0) } ?? []
            var report = try store.verifyWithIndex()
            let checks = try checkpoints.map { try store.check($0.checkpoint) }
            for c in checks { report.problems += c.problems }
            if !checks.isEmpty && !output.json {
                for (c, (file, _)) in zip(checks, checkpoints) where c.extends {
                    Output.line("checkpoint \(file): the history extends sequence \(c.checkpoint.seq) (chain \(c.checkpoint.chain.prefix(16))…, taken \(c.checkpoint.capturedAt)); \(c.laterEntries) later entr\(c.laterEntries == 1 ? "y is" : "ies are") not covered")
                }
            }
            if let note = store.legacyNote() { Output.stderr(note + "\n") }
            if output.json {
                var o = report.json.objectValue ?? [:]
                if !checks.isEmpty { o["checkpoints"] = .array(zip(checks, checkpoints).map { c, f in
                    var j = c.json.objectValue ?? [:]
                    j["file"] = .string(f.file)
                    return .object(j)
                }) }
                Output.json(.object(o))
            } else if report.ok {
                Output.line("history verified: \(report.entries) entries, \(report.records) records, head \(report.head.prefix(16))")
                if report.unreferenced > 0 {
                    Output.line("\(report.unreferenced) unreferenced object(s) left by interrupted runs (not a problem); 'sdetkit agent history gc' removes them")
                }
            } else {
                for p in report.problems { Output.stderr("sdetkit: integrity: [\(p.kind)] \(p.detail)\n") }
                Output.stderr("sdetkit: error: history verification failed with \(report.problems.count) problem(s)\n")
            }
            if !report.ok { throw RunExit.integrity }
        }
    }

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "replay",
            abstract: "Re-run a recorded run on the current repo; exit 0 if the content hash matches, 1 (naming what differs) if not.")
        @Argument(help: "Sequence number, hash, or unique hash prefix.") var ref: String
        @Flag(help: "Grant approval, as 'run --approve'.") var approve = false
        @OptionGroup var output: JSONFlag

        func run() async throws {
            let ws = try CLI.workspace(approve: approve)
            let original = try ws.store.resolve(ref)
            let record = try ws.store.record(hash: original.hash)
            let replayed = try await RunCoordinator.shared(for: ws).exclusively {
                let r = try await Replayer.replay(record, in: ws)
                try ws.syncPendingWrites()  // a replayed template's run-record.json
                return r
            }
            let differences = RecordDiff.paths(record.json, replayed.record.json)
            let same = replayed.hash == original.hash
            if output.json {
                Output.json(["original": .string(original.hash), "replayed": .string(replayed.hash), "match": .bool(same),
                             "seq": replayed.entry.map { .int($0.seq) } ?? .null,
                             "differences": .array(differences.map { .string($0) })])
            } else if same {
                Output.line("replay of run \(original.seq) matches: \(original.hash)")
            } else {
                Output.line("replay of run \(original.seq) differs: \(original.hash.prefix(12)) → \(replayed.hash.prefix(12))")
                for d in differences { Output.line("  differs: \(d)") }
            }
            if !same { throw RunExit.failed }
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export",
            abstract: "Export every run for audits: csv (RFC 4180, formula-safe), json or jsonl; streamed from the index.",
            discussion: "--bom starts the csv with a UTF-8 byte-order mark, so Excel and LibreOffice read non-ASCII text right on a default import (see docs/cli.md#csv-for-spreadsheets).")
        @Option(help: "csv, json or jsonl.") var format: ExportFormat = .csv
        @Option(help: "Output file, or - for stdout (written atomically).") var output = "-"
        @Flag(help: "Start the csv with a UTF-8 byte-order mark (for Excel and LibreOffice).") var bom = false

        func validate() throws {
            if bom && format != .csv {
                throw ValidationError("--bom is for --format csv only (a byte-order mark is not valid in \(format.rawValue))")
            }
        }

        func run() throws {
            let store = HistoryStore(layout: try CLI.repositoryLayout())
            let prefix = bom ? CSV.byteOrderMark : []
            if output == "-" {
                if !prefix.isEmpty { Output.write(1, prefix) }
                try store.export(format: format) { Output.write(1, $0) }
            } else {
                let writer = try AtomicStreamWriter(path: Output.absolute(output))
                if !prefix.isEmpty { try writer.write(prefix) }
                try store.export(format: format) { try writer.write($0) }
                try writer.commit()
            }
        }
    }

    struct Reindex: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "reindex", abstract: "Rebuild the SQLite index from the ledger and records.")
        @OptionGroup var output: JSONFlag

        func run() throws {
            let store = HistoryStore(layout: try CLI.repositoryLayout())
            let n = try store.reindex()
            if output.json { return Output.json(["entries": .int(n)]) }
            Output.line("index rebuilt: \(n) entries")
        }
    }

    struct Pack: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pack",
            abstract: "Move loose record files into one pack (done automatically every 4096 runs).",
            discussion: "Like git's packing of loose objects: records stay content-addressed and verifiable; verify then reads one file instead of one per record. Records whose content does not match their name stay loose, for verify to report.")
        @OptionGroup var output: JSONFlag

        func run() throws {
            let store = HistoryStore(layout: try CLI.repositoryLayout())
            let (n, name) = try store.pack()
            if output.json { return Output.json(["packed": .int(n), "pack": .optional(name)]) }
            Output.line(n == 0 ? "nothing to pack" : "packed \(n) record(s) into \(StateLayout.relObjects)/pack/\(name ?? "")")
        }
    }
}

extension ExportFormat: ExpressibleByArgument {}

enum Display {
    /// A single display line: newlines shown as ⏎, cut at `max` characters.
    static func oneLine(_ s: String, max: Int) -> String {
        let flat = String(s.map { $0 == "\n" || $0 == "\r" ? "⏎" : $0 })
        return flat.count > max ? String(flat.prefix(max - 1)) + "…" : flat
    }
}
