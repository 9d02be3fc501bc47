#if canImport(Glibc)
import Glibc
#endif
import SdetkitCore

extension HistoryStore {
    /// Appends many runs under one lock with one fsync at the end (synthetic histories for benchmarks and
    /// tests, imports). Same object, ledger and index format as ``append(record:observation:)``.
    public func appendBatch(_ runs: [(RunRecord, RunObservation)]) throws {
        try ensureLayout()
        var known: [String: RunRecord] = [:]
        var hashOf: [RunRecord: String] = [:]
        var hashes: [String] = []
        hashes.reserveCapacity(runs.count)
        for (record, _) in runs {
            if let h = hashOf[record] { hashes.append(h); continue }
            let bytes = record.canonicalBytes
            let hash = Digest.sha256Hex(bytes)
            hashOf[record] = hash
            hashes.append(hash)
            if known[hash] != nil { continue }
            known[hash] = record
            let dir = try openFanOut(hash)
            defer { close(dir) }
            try storeObject(bytes, hash: hash, in: dir, freshen: false)
        }
        let (first, last) = try appendLedgerLines(runs, hashes: hashes)
        try withIndex(known: known) { _ in }
        autoPack(from: first, to: last)
    }

    /// Appends the entries under the ledger lock; returns the first and last sequence numbers written.
    private func appendLedgerLines(_ runs: [(RunRecord, RunObservation)], hashes: [String]) throws -> (Int, Int) {
        let lock = try lockLedger()
        defer { withExtendedLifetime(lock) {} }
        let last = try ledgerEntries().last
        var seq = (last?.seq ?? 0) + 1
        var prev = last?.chain ?? LedgerEntry.genesis
        var out: [UInt8] = []
        out.reserveCapacity(min(runs.count, 100_000) * 300)
        let fd = try stateRoot().open(StateLayout.relLedger, flags: O_WRONLY | O_CREAT | O_APPEND, mode: 0o644)
        defer { close(fd) }
        for (i, (_, observation)) in runs.enumerated() {
            let entry = LedgerEntry(seq: seq, hash: hashes[i], observation: observation, prev: prev)
            out += entry.line
            out.append(0x0A)
            seq += 1
            prev = entry.chain
            if out.count > 1 << 22 { try FileSystem.writeAll(fd: fd, out, path: layout.ledgerPath); out.removeAll(keepingCapacity: true) }
        }
        try FileSystem.writeAll(fd: fd, out, path: layout.ledgerPath)
        guard fdatasync(fd) == 0 else { throw SdetkitError.io("cannot sync", path: layout.ledgerPath, errno: errno) }
        return ((last?.seq ?? 0) + 1, seq - 1)
    }
}
