#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import SdetkitCore

/// One integrity problem found by ``HistoryStore/verify()``.
public struct VerifyProblem: Sendable, Hashable {
    /// `edited-record`, `missing-record`, `extra-record` (an unreferenced object that does not match its name, or a
    /// name in `objects/` that is no record's), `malformed-entry`, `edited-entry`,
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
    /// Intact objects (loose or packed) that no ledger entry references: left by a run interrupted between
    /// storing its record and appending its ledger line. Garbage for `history gc`, not an integrity problem.
    public var unreferenced: Int { unreferencedObjects.count }
    var unreferencedObjects = UnreferencedObjects()
    public var ok: Bool { problems.isEmpty }

    public init(entries: Int, records: Int, head: String, problems: [VerifyProblem]) {
        self.entries = entries
        self.records = records
        self.head = head
        self.problems = problems
    }

    public var json: JSONValue {
        ["ok": .bool(ok), "entries": .int(entries), "records": .int(records), "head": .string(head),
         "unreferenced": .int(unreferenced), "problems": .array(problems.map(\.json))]
    }
}

/// Intact objects no ledger entry references, as ``HistoryStore/verify()`` found them.
struct UnreferencedObjects: Sendable {
    /// Loose record files whose bytes hash to their name.
    var loose: [SHA256Value] = []
    /// Per pack name, its records whose bytes hash to their index entry.
    var packed: [String: [SHA256Value]] = [:]
    /// Distinct objects (a record both loose and packed counts once).
    var count: Int { Set(loose).union(packed.values.joined()).count }
}

extension HistoryStore {
    /// Recomputes every record hash and the ledger chain; names each problem.
    public func verify() throws -> VerifyReport {
        let indexed = indexedState()
        let lines = try readLedgerLines().lines
        var problems: [VerifyProblem] = []
        let parsed = Self.parseInParallel(lines)
        var entries: [LedgerFacts] = []
        entries.reserveCapacity(lines.count)
        for (i, facts) in parsed.enumerated() {
            if let facts {
                entries.append(facts)
            } else {
                problems.append(VerifyProblem(kind: "malformed-entry", seq: nil, hash: nil,
                                              detail: "ledger line \(i + 1) is not a valid ledger entry"))
            }
        }
        problems += chainProblems(entries)
        // One pass: each distinct record once, with the first sequence number that references it.
        var firstSeq: [SHA256Value: Int] = [:]
        firstSeq.reserveCapacity(entries.count)
        var order: [LedgerFacts] = []
        order.reserveCapacity(entries.count)
        for e in entries {
            // One dictionary operation per entry; a repeated record (the same run again) puts its first back.
            if let first = firstSeq.updateValue(e.seq, forKey: e.hash) {
                firstSeq[e.hash] = first
            } else {
                order.append(e)
            }
        }
        let (found, unreferenced) = try recordProblems(order: order, firstSeq: firstSeq)
        problems += found
        if let indexed {
            let indexedHead = LedgerFacts.value(indexed.head)
            if !indexed.discontinuity.isEmpty {
                problems.append(VerifyProblem(kind: "rewritten-ledger", seq: nil, hash: nil, detail: indexed.discontinuity
                    + "; if this was intended, accept the current ledger with 'sdetkit agent history reindex'"))
            } else if indexed.entries > entries.count, !entries.contains(where: { $0.chain == indexedHead }) {
                problems.append(VerifyProblem(kind: "truncated-ledger", seq: nil, hash: nil,
                    detail: "the index has seen \(indexed.entries) entries (head \(indexed.head.prefix(12))) but the ledger holds \(entries.count): entries were removed from its end"))
            } else if indexed.entries > 0, indexed.entries <= entries.count, entries[indexed.entries - 1].chain != indexedHead {
                problems.append(VerifyProblem(kind: "rewritten-ledger", seq: indexed.entries, hash: nil,
                    detail: "ledger entry \(indexed.entries) no longer has the chain hash the index recorded (\(indexed.head.prefix(12))): entries were rewritten"))
            }
        }
        var report = VerifyReport(entries: entries.count, records: order.count,
                                  head: entries.last?.chain.hex ?? LedgerEntry.genesis, problems: problems)
        report.unreferencedObjects = unreferenced
        return report
    }

    /// Parses (and chain-checks) ledger lines on every core; the result keeps line order.
    static func parseInParallel(_ lines: [ArraySlice<UInt8>]) -> [LedgerFacts?] {
        let out = UnsafeMutableBufferPointer<LedgerFacts?>.allocate(capacity: max(1, lines.count))
        out.initialize(repeating: nil)
        defer { out.deallocate() }
        let slots = SendableSlots(out)
        let chunk = 2048
        let chunks = (lines.count + chunk - 1) / chunk
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            for i in (c * chunk)..<min(lines.count, (c + 1) * chunk) { slots.set(i, LedgerFacts(line: lines[i])) }
        }
        return Array(out.prefix(lines.count))
    }

    func chainProblems(_ entries: [LedgerFacts]) -> [VerifyProblem] {
        var problems: [VerifyProblem] = []
        // The usual ledger numbers its entries 1, 2, 3, … in order: checked in one pass, no sets.
        var inOrder = true
        for (i, e) in entries.enumerated() where e.seq != i + 1 {
            inOrder = false
            break
        }
        if !inOrder { problems += sequenceProblems(entries) }
        var prev = LedgerFacts.value(LedgerEntry.genesis)
        for (i, e) in entries.enumerated() {
            if !e.chainValid {
                problems.append(VerifyProblem(kind: "edited-entry", seq: e.seq, hash: e.hashText,
                    detail: "ledger entry \(e.seq) was modified: its chain hash does not match its content"))
            }
            if e.prev != prev {
                problems.append(VerifyProblem(kind: "broken-chain", seq: e.seq, hash: e.hashText,
                    detail: "ledger line \(i + 1) (sequence \(e.seq)) does not follow the entry before it: an entry was removed, inserted or reordered there"))
            }
            prev = e.chain
        }
        return problems
    }

    /// What is wrong with the sequence numbers of a ledger that does not number its entries 1…n in order.
    func sequenceProblems(_ entries: [LedgerFacts]) -> [VerifyProblem] {
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
                problems.append(VerifyProblem(kind: "inserted-entry", seq: e.seq, hash: e.hashText,
                                              detail: "sequence \(e.seq) appears more than once"))
            }
        }
        return problems
    }

    /// Problems of the records, and the intact objects no entry references (garbage, not problems: a run
    /// killed between storing its record and appending its ledger line leaves one, as git leaves loose objects).
    func recordProblems(order: [LedgerFacts], firstSeq: [SHA256Value: Int]) throws(SdetkitError) -> ([VerifyProblem], UnreferencedObjects) {
        let loose = looseRecords()
        let (packs, packProblems) = try verifyPacks()
        /// The first pack holding an intact copy, else the first holding one at all.
        func inPacks(_ hash: SHA256Value) -> (pack: String, intact: Bool)? {
            var found: (String, Bool)?
            for p in packs {
                guard let ok = p.lookup(hash) else { continue }
                if ok { return (p.name, true) }
                if found == nil { found = (p.name, false) }
            }
            return found
        }
        // Loose records are hashed file by file (in parallel); packed ones were hashed from their packs.
        let looseOrder = order.filter { $0.oddHashText == nil && loose.hashes.contains($0.hash) }
        let looseResults = hashLooseRecords(looseOrder.map(\.hash))
        var looseIntact: [SHA256Value: Bool] = [:]
        looseIntact.reserveCapacity(looseOrder.count)
        for (i, facts) in looseOrder.enumerated() where looseResults.get(i) != 1 { looseIntact[facts.hash] = looseResults.get(i) == 0 }
        var problems = packProblems
        for facts in order {
            let inPack = inPacks(facts.hash)
            let looseOK = looseIntact[facts.hash]
            // The common case, checked before any text is made: present, and no copy edited.
            if (looseOK != nil || inPack != nil) && looseOK != false && inPack?.intact != false { continue }
            let h = facts.hashText
            let seq = firstSeq[facts.hash]
            if looseOK == nil && inPack == nil {
                problems.append(VerifyProblem(kind: "missing-record", seq: seq, hash: h,
                                              detail: "record \(h) of sequence \(seq ?? 0) is missing"))
            } else if looseOK == false || inPack?.intact == false {
                let whereText = looseOK == false ? "" : " (in \(inPack?.pack ?? "a pack"))"
                problems.append(VerifyProblem(kind: "edited-record", seq: seq, hash: h,
                    detail: "record \(h) of sequence \(seq ?? 0) was modified\(whereText): its content no longer hashes to its name"))
            }
        }
        for stray in loose.strays {
            let name = Path.basename(stray)
            problems.append(VerifyProblem(kind: "extra-record", seq: nil, hash: name.hasSuffix(".json") ? String(name.dropLast(5)) : name,
                detail: "\(stray) in \(StateLayout.relObjects) is not a record's name (placed there by hand)"))
        }
        var unreferenced = UnreferencedObjects()
        // An unreferenced loose record is garbage when its bytes hash to its name; otherwise it was placed or edited.
        let strayLoose = loose.hashes.filter { firstSeq[$0] == nil }.sorted()
        let strayResults = hashLooseRecords(strayLoose)
        for (i, hash) in strayLoose.enumerated() {
            let hex = hash.hex
            switch strayResults.get(i) {
            case 0:
                unreferenced.loose.append(hash)
            case 1 where !FileSystem.exists(objectPath(hex)):
                continue  // removed meanwhile (packed, or collected by `history gc`)
            default:
                problems.append(VerifyProblem(kind: "extra-record", seq: nil, hash: hex,
                    detail: "record \(hex.prefix(2))/\(hex).json is not referenced by any ledger entry and its content does not hash to its name (edited or placed there)"))
            }
        }
        for pack in packs {
            for (i, hash) in pack.hashes.enumerated() where firstSeq[hash] == nil {
                if pack.intact[i] {
                    unreferenced.packed[pack.name, default: []].append(hash)
                } else {
                    let hex = hash.hex
                    problems.append(VerifyProblem(kind: "extra-record", seq: nil, hash: hex,
                        detail: "record \(hex) in \(pack.name) is not referenced by any ledger entry and its content does not hash to its name (edited or placed there)"))
                }
            }
        }
        let sorted = problems.sorted { ($0.seq ?? 0, $0.hash ?? "", $0.kind) < ($1.seq ?? 0, $1.hash ?? "", $1.kind) }
        return (sorted, unreferenced)
    }

    /// Opens and hashes each loose record (0 intact, 1 unreadable, 2 modified), in parallel, each relative to
    /// its fan-out directory's descriptor.
    func hashLooseRecords(_ order: [SHA256Value]) -> UnsafeResultBuffer {
        let results = UnsafeResultBuffer(count: order.count)
        if order.isEmpty { return results }
        // Beneath the root with no link followed; then one component at a time, each O_NOFOLLOW.
        let objectsFD = (try? stateRoot())?.rawOpen(StateLayout.relObjects, flags: O_RDONLY | O_DIRECTORY) ?? -1
        var fanout = [Int32](repeating: -1, count: 256)
        if objectsFD >= 0 {
            for b in 0..<256 {
                let hex = String(b, radix: 16)
                fanout[b] = openat(objectsFD, hex.count == 1 ? "0" + hex : hex, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)
            }
        }
        defer {
            for fd in fanout where fd >= 0 { close(fd) }
            if objectsFD >= 0 { close(objectsFD) }
        }
        let dirs = fanout
        let chunk = 512
        let chunks = (order.count + chunk - 1) / chunk
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            let capacity = 1 << 16
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
            defer { buffer.deallocate() }
            // "<64 hex>.json\0": 70 bytes
            var name = [CChar](repeating: 0, count: 72)
            for i in (c * chunk)..<min(order.count, (c + 1) * chunk) {
                let hash = order[i]
                var k = 0
                for b in hash.hex.utf8 { name[k] = CChar(bitPattern: b); k += 1 }
                for b in ".json".utf8 { name[k] = CChar(bitPattern: b); k += 1 }
                name[k] = 0
                let dir = dirs[Int(hash.w0 >> 56)]
                let fd = dir >= 0 ? openat(dir, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW) : -1
                guard fd >= 0 else { results.set(i, 1); continue }
                var hasher = Digest.Hasher()
                var failed = false
                while true {
                    let n = read(fd, buffer.baseAddress!, capacity)
                    if n < 0 { if errno == EINTR { continue }; failed = true; break }
                    if n == 0 { break }
                    hasher.update(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
                    if n < capacity { break }  // a short read of a regular file is its end
                }
                close(fd)
                results.set(i, failed ? 1 : (hasher.finalizeValue() == hash ? 0 : 2))
            }
        }
        return results
    }
}

/// Disjoint slots of a buffer, each written by one concurrent worker.
struct SendableSlots<T>: @unchecked Sendable {
    let base: UnsafeMutableBufferPointer<T>
    init(_ base: UnsafeMutableBufferPointer<T>) { self.base = base }
    func set(_ i: Int, _ value: T) { base[i] = value }
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
