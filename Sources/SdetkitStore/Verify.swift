#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import SdetkitCore

/// One integrity problem found by ``HistoryStore/verify()``.
public struct VerifyProblem: Sendable, Hashable {
    /// `edited-record`, `missing-record`, `extra-record`, `malformed-entry`, `edited-entry`,
    /// `removed-entry`, `inserted-entry`, `reordered-entries`, `broken-chain`, `truncated-ledger`.
    public var kind: String
    public var seq: Int?
    public var hash: String?
    public var detail: String

    public var json: JSONValue {
        ["kind": .string(kind), "seq": seq.map { .int($0) } ?? .null, "hash": .optional(hash), "detail": .string(detail)]
    }
}

public struct VerifyReport: Sendable {
    public var entries: Int
    public var records: Int
    public var head: String
    public var problems: [VerifyProblem]
    public var ok: Bool { problems.isEmpty }

    public var json: JSONValue {
        ["ok": .bool(ok), "entries": .int(entries), "records": .int(records), "head": .string(head),
         "problems": .array(problems.map(\.json))]
    }
}

extension HistoryStore {
    /// Recomputes every record hash and the ledger chain; names each problem.
    public func verify() throws -> VerifyReport {
        let indexed = indexedState()
        let lines = try Ledger.readLines(path: layout.ledgerPath).lines
        var problems: [VerifyProblem] = []
        var entries: [LedgerFacts] = []
        entries.reserveCapacity(lines.count)
        for (i, line) in lines.enumerated() {
            if let e = LedgerFacts(line: line) {
                entries.append(e)
            } else {
                problems.append(VerifyProblem(kind: "malformed-entry", seq: nil, hash: nil,
                                              detail: "ledger line \(i + 1) is not a valid ledger entry"))
            }
        }
        problems += chainProblems(entries)
        // One pass: each distinct record once, with the first sequence number that references it.
        var firstSeq: [String: Int] = [:]
        firstSeq.reserveCapacity(entries.count)
        var order: [String] = []
        for e in entries where firstSeq[e.hash] == nil {
            firstSeq[e.hash] = e.seq
            order.append(e.hash)
        }
        problems += recordProblems(order: order, firstSeq: firstSeq)
        if let indexed {
            if !indexed.discontinuity.isEmpty {
                problems.append(VerifyProblem(kind: "rewritten-ledger", seq: nil, hash: nil, detail: indexed.discontinuity
                    + "; if this was intended, accept the current ledger with 'sdetkit agent history reindex'"))
            } else if indexed.entries > entries.count, !entries.contains(where: { $0.chain == indexed.head }) {
                problems.append(VerifyProblem(kind: "truncated-ledger", seq: nil, hash: nil,
                    detail: "the index has seen \(indexed.entries) entries (head \(indexed.head.prefix(12))) but the ledger holds \(entries.count): entries were removed from its end"))
            } else if indexed.entries > 0, indexed.entries <= entries.count, entries[indexed.entries - 1].chain != indexed.head {
                problems.append(VerifyProblem(kind: "rewritten-ledger", seq: indexed.entries, hash: nil,
                    detail: "ledger entry \(indexed.entries) no longer has the chain hash the index recorded (\(indexed.head.prefix(12))): entries were rewritten"))
            }
        }
        return VerifyReport(entries: entries.count, records: order.count, head: entries.last?.chain ?? LedgerEntry.genesis,
                            problems: problems)
    }

    func chainProblems(_ entries: [LedgerFacts]) -> [VerifyProblem] {
        var problems: [VerifyProblem] = []
        let seqs = entries.map(\.seq)
        let seqSet = Set(seqs)
        if seqSet.count == seqs.count, seqSet == Set(1...max(1, seqs.count)), seqs != seqs.sorted(), !seqs.isEmpty {
            problems.append(VerifyProblem(kind: "reordered-entries", seq: nil, hash: nil,
                detail: "ledger entries are out of order: sequence \(seqs.map(String.init).prefix(20).joined(separator: ","))"))
        } else if !seqs.isEmpty {
            let maxSeq = seqs.max() ?? 0
            let missing = (1...max(1, maxSeq)).filter { !seqSet.contains($0) }
            if !missing.isEmpty {
                problems.append(VerifyProblem(kind: "removed-entry", seq: missing.first, hash: nil,
                    detail: "ledger entries missing: sequence \(missing.prefix(10).map(String.init).joined(separator: ", "))\(missing.count > 10 ? ", …" : "")"))
            }
            var seen = Set<Int>()
            for e in entries where !seen.insert(e.seq).inserted {
                problems.append(VerifyProblem(kind: "inserted-entry", seq: e.seq, hash: e.hash,
                                              detail: "sequence \(e.seq) appears more than once"))
            }
        }
        var prev = LedgerEntry.genesis
        for (i, e) in entries.enumerated() {
            if !e.chainValid {
                problems.append(VerifyProblem(kind: "edited-entry", seq: e.seq, hash: e.hash,
                    detail: "ledger entry \(e.seq) was modified: its chain hash does not match its content"))
            }
            if e.prev != prev {
                problems.append(VerifyProblem(kind: "broken-chain", seq: e.seq, hash: e.hash,
                    detail: "ledger line \(i + 1) (sequence \(e.seq)) does not follow the entry before it: an entry was removed, inserted or reordered there"))
            }
            prev = e.chain
        }
        return problems
    }

    func recordProblems(order hashes: [String], firstSeq: [String: Int]) -> [VerifyProblem] {
        // Hash every referenced object once, in parallel; objects are opened relative to one directory fd.
        let results = UnsafeResultBuffer(count: hashes.count)
        let objectsFD = open(layout.objectsDir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        defer { if objectsFD >= 0 { close(objectsFD) } }
        let chunk = 512
        let chunks = (hashes.count + chunk - 1) / chunk
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            for i in (c * chunk)..<min(hashes.count, (c + 1) * chunk) {
                let h = hashes[i]
                let fd = objectsFD >= 0 ? openat(objectsFD, "\(h.prefix(2))/\(h).json", O_RDONLY | O_CLOEXEC) : -1
                guard fd >= 0 else { results.set(i, 1); continue }
                var hasher = Digest.Hasher()
                var failed = false
                while true {
                    let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
                    if n < 0 { if errno == EINTR { continue }; failed = true; break }
                    if n == 0 { break }
                    buffer.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
                }
                close(fd)
                results.set(i, failed ? 1 : (hasher.finalizeHex() == h ? 0 : 2))
            }
        }
        var problems: [VerifyProblem] = []
        for (i, h) in hashes.enumerated() {
            let seq = firstSeq[h]
            switch results.get(i) {
            case 1: problems.append(VerifyProblem(kind: "missing-record", seq: seq, hash: h,
                                                  detail: "record \(h) of sequence \(seq ?? 0) is missing"))
            case 2: problems.append(VerifyProblem(kind: "edited-record", seq: seq, hash: h,
                                                  detail: "record \(h) of sequence \(seq ?? 0) was modified: its content no longer hashes to its name"))
            default: break
            }
        }
        for dir in FileSystem.list(layout.objectsDir).sorted() {
            // Unsorted: problems are sorted at the end.
            for name in FileSystem.list("\(layout.objectsDir)/\(dir)") where !name.hasPrefix(".") {
                let h = name.hasSuffix(".json") ? String(name.dropLast(5)) : name
                if firstSeq[h] == nil {
                    problems.append(VerifyProblem(kind: "extra-record", seq: nil, hash: h,
                        detail: "record \(dir)/\(name) is not referenced by any ledger entry (added, or its entry was removed)"))
                }
            }
        }
        return problems.sorted { ($0.seq ?? 0, $0.hash ?? "") < ($1.seq ?? 0, $1.hash ?? "") }
    }
}

/// A fixed-size buffer written by disjoint indices from concurrent workers.
final class UnsafeResultBuffer: @unchecked Sendable {
    private let storage: UnsafeMutablePointer<UInt8>
    init(count: Int) {
        storage = .allocate(capacity: max(1, count))
        storage.initialize(repeating: 0, count: max(1, count))
    }
    deinit { storage.deallocate() }
    func set(_ i: Int, _ v: UInt8) { storage[i] = v }
    func get(_ i: Int) -> UInt8 { storage[i] }
}
