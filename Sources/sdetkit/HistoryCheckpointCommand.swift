import ArgumentParser
import SdetkitCore
import SdetkitStore

/// `history checkpoint`: a signed statement of the ledger's current head, to keep outside the repository.
struct HistoryCheckpoint: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Sign (sequence, chain head) of the history with an Ed25519 key; 'history verify --checkpoint' proves the history still extends it.",
        discussion: """
        The history must verify first (exit 3 otherwise: a checkpoint would sign the damage). The key file holds a \
        32-byte Ed25519 private key (raw, 64 hex digits, base64 or the PEM of 'openssl genpkey -algorithm ed25519'), \
        as for 'templates pack'. Keep checkpoints outside the repository — a CI artifact, a git note, a ticket: \
        docs/history-format.md, "Checkpoints".
        """)
    @Option(name: .customLong("sign-key"), help: "Ed25519 private key file.") var signKey: String
    @Option(help: "Output file, or - for stdout (written atomically).") var output = "-"
    @OptionGroup var json: JSONFlag

    func validate() throws {
        if json.json && output == "-" { throw ValidationError("--json describes a checkpoint written with --output FILE; without it stdout carries the checkpoint") }
    }

    func run() throws {
        let signer = try Ed25519Signer(file: Output.absolute(signKey))
        let store = HistoryStore(layout: try CLI.repositoryLayout())
        let report = try store.verifyWithIndex()
        if !report.ok {
            for p in report.problems { Output.stderr("sdetkit: integrity: [\(p.kind)] \(p.detail)\n") }
            Output.error("no checkpoint written: history verification failed with \(report.problems.count) problem(s)")
            throw RunExit.integrity
        }
        guard let head = try store.ledgerHead() else {
            throw SdetkitError("no runs recorded yet: there is nothing to checkpoint; try 'sdetkit agent run health-check'")
        }
        let (cp, bytes) = try Checkpoint.signed(entry: head, capturedAt: RunClock.fromProcess().nowRFC3339(), signer: signer)
        try Output.deliver(bytes, to: output)
        if output == "-" { return }
        if json.json {
            var o = cp.statement.objectValue ?? [:]
            o["output"] = .string(output)
            return Output.json(.object(o))
        }
        Output.line("checkpoint of sequence \(cp.seq) (chain \(cp.chain.prefix(16))…) signed by key \(cp.key.prefix(16))… written to \(output)")
    }
}

/// `history verify --checkpoint FILE… --public-key KEY`: the checkpoints, opened (exit 2 on any that cannot be)
/// and compared with the ledger.
enum CheckpointVerification {
    static func open(_ files: [String], publicKey: String) throws -> [(file: String, checkpoint: Checkpoint)] {
        let verifier = try Ed25519Verifier(file: Output.absolute(publicKey))
        var out: [(file: String, checkpoint: Checkpoint)] = []
        for file in files {
            let bytes: [UInt8]
            do { bytes = try FileSystem.readBytes(Output.absolute(file)) } catch {
                throw SdetkitError("cannot read checkpoint \(file): \(error.message)")
            }
            out.append((file, try Checkpoint.open(bytes, file: file, verifier: verifier)))
        }
        return out
    }
}
