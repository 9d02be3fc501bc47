#if canImport(Glibc)
import Glibc
#endif
import SdetkitCore

extension HistoryStore {
    /// ``verify()`` and, when it finds the ledger itself sound, ``indexCrossCheck()``: what `history verify` runs.
    public func verifyWithIndex() throws -> VerifyReport {
        var report = try verify()
        if report.ok { report.problems += try indexCrossCheck() }
        return report
    }

    /// Compares the index's rows (seq, hash, chain) with the ledger, read-only and without catching the index
    /// up: an index row that names another record or chain than its ledger entry, a row missing for an entry
    /// the index says it consumed, or a row for an entry it never consumed, is an `index-mismatch`. (Rows are
    /// derived data: `history reindex` rebuilds them from the ledger.) Nothing is compared when the index does
    /// not exist yet, or when its recorded head is not a ledger entry's (a rewritten or truncated ledger, which
    /// ``verify()`` reports). At most `limit` rows are named, then one problem counts the rest.
    public func indexCrossCheck(limit: Int = 20) throws -> [VerifyProblem] {
        guard FileSystem.exists(layout.indexPath) else { return [] }
        let lines = try readLedgerLines().lines
        var ledger: [LedgerFacts] = []
        ledger.reserveCapacity(lines.count)
        for (i, line) in lines.enumerated() {
            guard let f = LedgerFacts(line: line), f.seq == i + 1 else { return [] }  // verify names it
            ledger.append(f)
        }
        var problems: [VerifyProblem] = []
        var more = 0
        func mismatch(_ seq: Int, _ hash: String?, _ detail: String) {
            if problems.count < limit {
                problems.append(VerifyProblem(kind: "index-mismatch", seq: seq, hash: hash, detail: detail
                    + "; the index is derived: rebuild it with 'sdetkit agent history reindex'"))
            } else {
                more += 1
            }
        }
        let db: SQLiteDatabase
        do { db = try openIndexDatabase(stateRoot(), readOnly: true) } catch {
            let detail = (error as? SQLiteError)?.detail ?? "\(error)"
            return [VerifyProblem(kind: "index-mismatch", seq: nil, hash: nil, detail: "the history index cannot be opened: \(detail)")]
        }
        do {
            let m = try db.prepare("SELECT key, value FROM meta")
            var meta: [String: String] = [:]
            while try m.step() { meta[m.string(0)] = m.string(1) }
            let consumed = Int(meta["entries"] ?? "0") ?? 0
            let head = meta["ledger_head"] ?? LedgerEntry.genesis
            guard (meta["discontinuity"] ?? "").isEmpty, consumed <= ledger.count,
                  consumed == 0 ? head == LedgerEntry.genesis : ledger[consumed - 1].chain.hex == head else { return [] }
            let s = try db.prepare("SELECT seq, hash, chain FROM runs ORDER BY seq")
            var expected = 1
            while try s.step() {
                let seq = s.int(0), hash = s.string(1), chain = s.string(2)
                if seq > consumed {
                    mismatch(seq, hash, "the index has a row for sequence \(seq), but it consumed only \(consumed) ledger entries")
                    continue
                }
                if seq < 1 {
                    mismatch(seq, hash, "the index has a row for sequence \(seq), which no ledger entry can have")
                    continue
                }
                while expected < seq {
                    mismatch(expected, ledger[expected - 1].hashText, "the index has no row for ledger entry \(expected)")
                    expected += 1
                }
                expected = seq + 1
                let e = ledger[seq - 1]
                if hash != e.hashText || chain != e.chain.hex {
                    let what = hash != e.hashText
                        ? "record \(hash.prefix(12))… where ledger entry \(seq) has \(e.hashText.prefix(12))…"
                        : "chain \(chain.prefix(16))… where ledger entry \(seq) has \(e.chain.hex.prefix(16))…"
                    mismatch(seq, e.hashText, "index row \(seq) names \(what) (the index was edited)")
                }
            }
            while expected <= consumed {
                mismatch(expected, ledger[expected - 1].hashText, "the index has no row for ledger entry \(expected)")
                expected += 1
            }
        } catch {
            problems.append(VerifyProblem(kind: "index-mismatch", seq: nil, hash: nil, detail: "the history index cannot be read: \(error)"))
        }
        if more > 0 {
            problems.append(VerifyProblem(kind: "index-mismatch", seq: nil, hash: nil,
                                          detail: "\(more) more index row(s) do not match the ledger"))
        }
        return problems
    }

    /// The cheap check `history list` and `dashboard build` make: after catching the index up, its recorded
    /// ledger length and chain head must be the ledger's actual length and last entry (whose chain is
    /// recomputed), and the index must not have recorded a problem while consuming it. One `fstat`, one read
    /// of the ledger's tail and the `meta` table — no scan. Returns one line when the check fails, else nil.
    ///
    /// It catches a ledger rewritten in place (same length, or not) without `history reindex`, a truncated or
    /// emptied ledger, an edited last entry, and an edited index head; it cannot catch an appended entry whose
    /// chain hash was recomputed, or a rewrite followed by `history reindex` (checkpoints can).
    public func headCheckWarning() -> String? {
        guard FileSystem.exists(layout.ledgerPath) || FileSystem.exists(layout.indexPath) else { return nil }
        // A run appended by another process between the catch-up and the look at the ledger is not a problem:
        // look again (the next catch-up consumes it). A ledger that keeps growing is being appended to; whatever
        // was written there is checked by the catch-up that consumes it (and recorded for the next look).
        for _ in 0..<3 {
            guard let (w, grew) = try? withIndex({ db in try headCheck(db) }) else { return nil }
            if !grew { return w.map { $0 + "; run 'sdetkit agent history verify'" } }
        }
        return nil
    }

    /// One head check: the warning (nil when fine) and whether the ledger had grown past what the index consumed.
    func headCheck(_ db: SQLiteDatabase) throws -> (String?, Bool) {
        let m = try meta(db)
        let offset = Int(m["ledger_offset"] ?? "0") ?? 0
        let head = m["ledger_head"] ?? LedgerEntry.genesis
        let entries = Int(m["entries"] ?? "0") ?? 0
        if (m["chain_ok"] ?? "1") != "1" || !(m["discontinuity"] ?? "").isEmpty {
            let problem = m["first_problem"].flatMap { $0.isEmpty ? nil : $0 } ?? m["discontinuity"] ?? "unknown"
            return ("the history index recorded an integrity problem: \(problem)", false)
        }
        var last: [UInt8]?
        var length = 0
        let root = try stateRoot()
        let fd = root.rawOpen(StateLayout.relLedger, flags: O_RDONLY)
        if fd >= 0 {
            defer { close(fd) }
            (last, length) = try Ledger.lastLine(fd: fd, path: layout.ledgerPath)
        } else if -fd == ELOOP || -fd == EXDEV {
            throw root.error(-fd, StateLayout.relLedger, "cannot read")
        } else if -fd != ENOENT {
            return ("the ledger cannot be read: \(FileSystem.describe(errno: -fd))", false)
        }
        guard let last else {
            if entries > 0 { return ("the ledger is empty but the index consumed \(entries) entries ending in chain \(head.prefix(16))…", false) }
            return (nil, false)
        }
        guard let entry = LedgerEntry(line: last[...]) else {
            return ("the ledger's last line is not a valid entry", false)
        }
        if entry.computedChain != entry.chain {
            return ("the ledger's last entry (sequence \(entry.seq)) was edited: its chain hash does not match its content", false)
        }
        if length != offset || entry.chain != head || entry.seq != entries {
            return ("the ledger (\(length) bytes, last entry \(entry.seq) with chain \(entry.chain.prefix(16))…) is not what the index consumed (\(offset) bytes, \(entries) entries ending in chain \(head.prefix(16))…): the ledger was rewritten",
                    length > offset)
        }
        return (nil, false)
    }
}
