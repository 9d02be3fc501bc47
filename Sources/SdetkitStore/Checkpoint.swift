import SdetkitCore

/// A signed statement of where the history stood: "ledger entry `seq` has chain hash `chain` (and references
/// record `record`)". Kept outside the repository, it makes a rewrite of the history up to `seq` detectable
/// by someone with write access to `.sdetkit/` — which the unkeyed chain alone cannot (docs/history-format.md,
/// "Checkpoints").
///
/// File: one line of canonical JSON, `{"signature":"<base64 Ed25519 signature>","statement":{…}}`, where the
/// signature is over the canonical JSON bytes of `statement`.
public struct Checkpoint: Sendable, Hashable {
    public static let schema = "sdetkit.checkpoint/v1"

    public var seq: Int
    /// The chain hash of ledger entry `seq` (it commits to every entry before it).
    public var chain: String
    /// The record hash of ledger entry `seq`.
    public var record: String
    /// When the checkpoint was taken (from `SOURCE_DATE_EPOCH` when set).
    public var capturedAt: String
    /// The signing key's fingerprint: SHA-256 of its 32-byte public key.
    public var key: String

    public init(seq: Int, chain: String, record: String, capturedAt: String, key: String) {
        self.seq = seq
        self.chain = chain
        self.record = record
        self.capturedAt = capturedAt
        self.key = key
    }

    public var statement: JSONValue {
        ["schema": .string(Self.schema), "seq": .int(seq), "chain": .string(chain), "record": .string(record),
         "captured_at": .string(capturedAt), "key": .string(key)]
    }

    /// The bytes the signature covers.
    public var statementBytes: [UInt8] { CanonicalJSON.encode(statement) }

    /// The checkpoint of `entry`, signed; returns the file's bytes (one line, newline-terminated).
    public static func signed(entry: LedgerEntry, capturedAt: String, signer: Ed25519Signer) throws(SdetkitError) -> (Checkpoint, [UInt8]) {
        let cp = Checkpoint(seq: entry.seq, chain: entry.chain, record: entry.hash, capturedAt: capturedAt, key: signer.verifier.fingerprint)
        let signature = try signer.sign(cp.statementBytes)
        var bytes = CanonicalJSON.encode(["statement": cp.statement, "signature": .string(Base64Codec.encode(signature))])
        bytes.append(0x0A)
        return (cp, bytes)
    }

    /// Parses a checkpoint file and checks its signature with `verifier`. Every failure (not a checkpoint, a
    /// statement signed by another key, a signature that does not verify) is a usage error (exit 2) naming `file`.
    public static func open(_ bytes: [UInt8], file: String, verifier: Ed25519Verifier) throws(SdetkitError) -> Checkpoint {
        func bad(_ why: String) -> SdetkitError { SdetkitError("checkpoint \(file): \(why)") }
        guard let json = try? JSONParser.parse(bytes: bytes), let statement = json["statement"], statement.objectValue != nil,
              let sigText = json["signature"]?.stringValue else {
            throw bad("not a checkpoint file (expected {\"statement\": …, \"signature\": …})")
        }
        guard statement["schema"]?.stringValue == schema else {
            throw bad("unknown schema \(statement["schema"]?.stringValue ?? "(none)"); expected \(schema)")
        }
        guard let seq = statement["seq"]?.intValue, seq >= 1, let chain = statement["chain"]?.stringValue, Digest.isHex64(chain),
              let record = statement["record"]?.stringValue, Digest.isHex64(record),
              let captured = statement["captured_at"]?.stringValue, let key = statement["key"]?.stringValue else {
            throw bad("the statement lacks seq, chain, record, captured_at or key")
        }
        let cp = Checkpoint(seq: seq, chain: chain, record: record, capturedAt: captured, key: key)
        guard key == verifier.fingerprint else {
            throw bad("signed by key \(key.prefix(16))…, not by the given public key (\(verifier.fingerprint.prefix(16))…)")
        }
        guard let signature = Base64Codec.decode(sigText), signature.count == 64 else {
            throw bad("the signature is not a base64 Ed25519 signature")
        }
        // The signature covers the canonical statement: re-encoding what was parsed must give back exactly it,
        // so a statement with extra members or a non-canonical spelling is refused rather than half-checked.
        guard CanonicalJSON.encode(statement) == cp.statementBytes else {
            throw bad("the statement has members other than schema, seq, chain, record, captured_at and key")
        }
        guard verifier.isValid(signature: signature, for: cp.statementBytes) else {
            throw bad("the signature does not verify with the given public key: the checkpoint was modified")
        }
        return cp
    }
}

/// What ``HistoryStore/check(_:)`` found for one checkpoint.
public struct CheckpointCheck: Sendable {
    public var checkpoint: Checkpoint
    /// Empty when the history extends the checkpoint. Kinds: `checkpoint-rewritten`, `checkpoint-truncated`.
    public var problems: [VerifyProblem]
    /// Ledger entries after the checkpoint's sequence: the checkpoint says nothing about them.
    public var laterEntries: Int

    public var extends: Bool { problems.isEmpty }

    public var json: JSONValue {
        ["seq": .int(checkpoint.seq), "chain": .string(checkpoint.chain), "record": .string(checkpoint.record),
         "captured_at": .string(checkpoint.capturedAt), "key": .string(checkpoint.key), "extends": .bool(extends),
         "later_entries": .int(laterEntries), "problems": .array(problems.map(\.json))]
    }
}

extension HistoryStore {
    /// The ledger's last complete entry (nil for an empty ledger): what a checkpoint taken now signs.
    public func ledgerHead() throws -> LedgerEntry? {
        guard let last = try readLedgerLines().lines.last else { return nil }
        guard let entry = LedgerEntry(line: last) else {
            throw SdetkitError("\(StateLayout.relLedger): the last entry is not valid; run 'sdetkit agent history verify'", exit: .integrity)
        }
        return entry
    }

    /// Whether the current ledger extends `checkpoint`: entries 1…seq are numbered in order, each links to the one
    /// before it and matches its own chain hash (recomputed here, independently of ``verify()``), and entry
    /// `seq` has the checkpoint's chain and record hash. Since each chain hash covers the previous one, that
    /// proves entries 1…seq are the ones signed; entries after `seq` are not covered.
    public func check(_ checkpoint: Checkpoint) throws -> CheckpointCheck {
        let lines = try readLedgerLines().lines
        var problems: [VerifyProblem] = []
        func rewritten(_ seq: Int?, _ detail: String) {
            problems.append(VerifyProblem(kind: "checkpoint-rewritten", seq: seq, hash: nil, detail: detail))
        }
        let n = checkpoint.seq
        var prev = LedgerEntry.genesis
        var reached: LedgerEntry?
        for i in 0..<min(n, lines.count) {
            guard let e = LedgerEntry(line: lines[i]) else {
                rewritten(i + 1, "ledger line \(i + 1) is not a valid entry, at or before the checkpoint's sequence \(n)")
                break
            }
            guard e.seq == i + 1, e.prev == prev, e.computedChain == e.chain else {
                rewritten(i + 1, "the ledger's chain breaks at line \(i + 1) (sequence \(e.seq)), at or before the checkpoint's sequence \(n): entries it signed were changed")
                break
            }
            prev = e.chain
            reached = e
        }
        if problems.isEmpty {
            if lines.count < n {
                problems.append(VerifyProblem(kind: "checkpoint-truncated", seq: n, hash: checkpoint.record,
                    detail: "the ledger holds \(lines.count) entries, fewer than the checkpoint's \(n) (taken \(checkpoint.capturedAt)): entries it signed were removed"))
            } else if let e = reached, e.chain != checkpoint.chain || e.hash != checkpoint.record {
                rewritten(n, "ledger entry \(n) has chain \(e.chain.prefix(16))… (record \(e.hash.prefix(12))…) but the checkpoint taken \(checkpoint.capturedAt) signed chain \(checkpoint.chain.prefix(16))… (record \(checkpoint.record.prefix(12))…): the history up to \(n) was rewritten and re-chained")
            }
        }
        return CheckpointCheck(checkpoint: checkpoint, problems: problems, laterEntries: max(0, lines.count - n))
    }
}
