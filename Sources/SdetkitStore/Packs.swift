#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import SdetkitCore
import Synchronization

/// Packed records: many records in one immutable file pair, as git packs loose objects.
///
/// `objects/pack/pack-<P>.records` holds records as canonical JSON, one per line (canonical JSON has no raw
/// newline), sorted by hash; `P` is the SHA-256 of that file when it was written (a unique name). `verify`
/// hashes each record against its index entry and checks that the records tile the file exactly, so an edited,
/// added or removed byte shows without hashing the whole file again. `pack-<P>.idx` has one
/// fixed-width line per record: `<64 hex hash> <16 hex offset> <8 hex length>\n`, sorted by hash, so one record
/// is found by binary search without reading the whole index. Both files are written atomically (records
/// first) and never modified; a record is read from its loose file when there is one, else from a pack.
/// `history verify` hashes every packed record from one sequential read instead of opening a file per record.
struct RecordPack: Sendable {
    /// `pack-<64 hex>`.
    let name: String
    let recordsPath: String
    let indexPath: String

    static let lineWidth = 64 + 1 + 16 + 1 + 8 + 1

    struct Entry: Sendable {
        let hash: SHA256Value
        let offset: Int
        let length: Int
    }

    /// The index's entries in file order; a malformed line is reported by its number (1-based).
    static func parseIndex(_ bytes: [UInt8]) -> (entries: [Entry], malformedLine: Int?) {
        guard bytes.count % lineWidth == 0 else { return ([], max(1, bytes.count / lineWidth + 1)) }
        var entries: [Entry] = []
        entries.reserveCapacity(bytes.count / lineWidth)
        var bad: Int?
        bytes.withUnsafeBufferPointer { buf in
            var at = 0
            while at < buf.count {
                if let e = entry(buf, at) { entries.append(e) } else if bad == nil { bad = at / lineWidth + 1 }
                at += lineWidth
            }
        }
        return (entries, bad)
    }

    static func entry(_ buf: UnsafeBufferPointer<UInt8>, _ at: Int) -> Entry? {
        guard buf[at + 64] == 0x20, buf[at + 81] == 0x20, buf[at + 90] == 0x0A,
              let hash = SHA256Value(hex: UnsafeBufferPointer(rebasing: buf[at..<(at + 64)])),
              let offset = hexNumber(buf, at + 65, 16), let length = hexNumber(buf, at + 82, 8) else { return nil }
        return Entry(hash: hash, offset: offset, length: length)
    }

    static func hexNumber(_ buf: UnsafeBufferPointer<UInt8>, _ at: Int, _ width: Int) -> Int? {
        var v = 0
        for i in at..<(at + width) {
            let c = buf[i]
            switch c {
            case 0x30...0x39: v = v << 4 | Int(c - 0x30)
            case 0x61...0x66: v = v << 4 | Int(c - 0x61 + 10)
            default: return nil
            }
        }
        return v
    }

    static func indexLine(_ e: Entry) -> [UInt8] {
        func hex(_ v: Int, _ width: Int) -> String {
            let s = String(v, radix: 16)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return Array("\(e.hash.hex) \(hex(e.offset, 16)) \(hex(e.length, 8))\n".utf8)
    }

    /// One record's bytes, found by binary search in the index (`index`: the idx file's bytes); nil when this
    /// pack does not hold it.
    /// The repo-relative path of one of its files (`suffix` `.records` or `.idx`).
    func rel(_ suffix: String) -> String { "\(StateLayout.relObjects)/pack/\(name)\(suffix)" }

    /// `root`: where the records file is opened beneath with no link followed; nil opens `recordsPath`.
    func recordBytes(_ hash: SHA256Value, index: [UInt8], root: BeneathRoot? = nil) -> [UInt8]? {
        guard index.count % Self.lineWidth == 0 else { return nil }
        let found: Entry? = index.withUnsafeBufferPointer { buf in
            var lo = 0, hi = buf.count / Self.lineWidth
            while lo < hi {
                let mid = (lo + hi) / 2
                guard let e = Self.entry(buf, mid * Self.lineWidth) else { return nil }
                if e.hash == hash { return e }
                if e.hash < hash { lo = mid + 1 } else { hi = mid }
            }
            return nil
        }
        guard let e = found else { return nil }
        let fd = root.map { $0.rawOpen(rel(".records"), flags: O_RDONLY) } ?? open(recordsPath, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out = [UInt8](repeating: 0, count: e.length)
        let n = out.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, e.length, off_t(e.offset)) }
        return n == e.length ? out : nil
    }
}

/// The packs of one store and their index files, read once per process: packs are immutable, so a kept index
/// stays true; a record not found makes the list be read again (a pack may have been written meanwhile).
final class PackCache: Sendable {
    private struct State {
        var packs: [RecordPack] = []
        var indexes: [String: [UInt8]] = [:]
        var listed = false
    }

    private let state = Mutex<State>(State())

    func recordBytes(_ hash: SHA256Value, in store: HistoryStore) -> [UInt8]? {
        let root = try? store.stateRoot()
        for fresh in [false, true] {
            let found: [UInt8]? = state.withLock { s in
                if fresh || !s.listed {
                    s.packs = store.packs()
                    s.listed = true
                }
                for pack in s.packs {
                    if s.indexes[pack.name] == nil { s.indexes[pack.name] = (try? root?.readIfPresent(pack.rel(".idx"))) ?? [] }
                    if let bytes = pack.recordBytes(hash, index: s.indexes[pack.name]!, root: root) { return bytes }
                }
                return nil
            }
            if let found { return found }
        }
        return nil
    }
}

extension HistoryStore {
    var packDirectory: String { "\(layout.objectsDir)/pack" }
    static let relPackDirectory = StateLayout.relObjects + "/pack"

    /// Every complete pack (both files present), by name; none when the pack directory cannot be opened.
    func packs() -> [RecordPack] {
        (try? listPacks()) ?? []
    }

    /// Every complete pack, the pack directory opened beneath the root with no link followed: a link on the
    /// way is an error naming it.
    func listPacks() throws(SdetkitError) -> [RecordPack] {
        guard let dir = try stateRoot().openDirectoryIfPresent(Self.relPackDirectory) else { return [] }
        defer { close(dir) }
        return try packs(in: dir)
    }

    /// The complete packs in the pack directory's descriptor `dir` (none when nil); a records file counts
    /// when something is there by its name, a link too (opening it then refuses it).
    func packs(in dir: Int32?) throws(SdetkitError) -> [RecordPack] {
        guard let dir else { return [] }
        let path = packDirectory
        return BeneathRoot.list(dir).filter { $0.hasPrefix("pack-") && $0.hasSuffix(".idx") }.sorted().compactMap { idx in
            let name = String(idx.dropLast(4))
            guard BeneathRoot.statEntry(name + ".records", in: dir) != nil else { return nil }
            return RecordPack(name: name, recordsPath: "\(path)/\(name).records", indexPath: "\(path)/\(idx)")
        }
    }

    /// Loose record files by hash (the fan-out directories' listing, each opened beneath the root with no link
    /// followed; one that cannot be opened lists nothing), plus names that are not records.
    func looseRecords() -> (hashes: Set<SHA256Value>, strays: [String]) {
        var hashes = Set<SHA256Value>()
        var strays: [String] = []
        guard let objects = (try? stateRoot())?.rawOpen(StateLayout.relObjects, flags: O_RDONLY | O_DIRECTORY), objects >= 0 else {
            return (hashes, strays)
        }
        defer { close(objects) }
        for dir in BeneathRoot.list(objects).sorted() where dir != "pack" {
            let fan = BeneathRoot.walk(from: objects, dir, flags: O_RDONLY | O_DIRECTORY, mode: 0)
            guard fan >= 0 else { continue }
            defer { close(fan) }
            for name in BeneathRoot.list(fan) where !name.hasPrefix(".") {
                if name.hasSuffix(".json"), name.hasPrefix(dir), let v = SHA256Value(hex: String(name.dropLast(5))) {
                    hashes.insert(v)
                } else {
                    strays.append("\(dir)/\(name)")
                }
            }
        }
        return (hashes, strays)
    }

    /// Moves every loose record that a ledger entry references and whose content matches its name into one new
    /// pack, then removes those loose files. Holds the ledger lock (no append runs meanwhile). A loose file that
    /// does not match its name stays where it is, for `verify` to report; one that no entry references (left by
    /// an interrupted run, or a run that has stored its record but not yet appended its entry) stays loose too,
    /// for `history gc`: a pack never holds an unreferenced object. Returns how many records were packed and the
    /// pack's name.
    @discardableResult
    public func pack() throws -> (packed: Int, name: String?) {
        try ensureLayout()
        let lock = try lockLedger()
        defer { withExtendedLifetime(lock) {} }
        let loose = looseRecords().hashes
        guard !loose.isEmpty else { return (0, nil) }
        let referenced = try referencedHashes()
        var items: [(hash: SHA256Value, bytes: [UInt8])] = []
        var packed: [String] = []
        for hash in loose.sorted() where referenced.contains(hash) {
            guard let bytes = try? looseObjectBytes(hash.hex), !bytes.contains(0x0A) else { continue }
            var hasher = Digest.Hasher()
            hasher.update(bytes)
            guard hasher.finalizeValue() == hash else { continue }
            items.append((hash, bytes))
            packed.append(hash.hex)
        }
        guard let name = try writePack(items) else { return (0, nil) }
        // The pack is durable: the loose copies can go (a crash before this point leaves harmless duplicates),
        // each with unlinkat in its fan-out directory opened beneath the root.
        for hash in packed { _ = try collectLooseObject(hash, remove: true, if: { _ in true }) }
        return (packed.count, name)
    }

    /// The record hashes the ledger's entries reference (lines that do not parse reference nothing here).
    func referencedHashes() throws -> Set<SHA256Value> {
        let lines = try readLedgerLines().lines
        var out = Set<SHA256Value>(minimumCapacity: lines.count)
        for facts in Self.parseInParallel(lines) { if let facts { out.insert(facts.hash) } }
        return out
    }

    /// Writes one pack of `items` (sorted by hash here; each record's bytes hold no newline), records file
    /// first, both atomically and read-only. Nil when there is nothing to pack.
    func writePack(_ items: [(hash: SHA256Value, bytes: [UInt8])]) throws -> String? {
        guard !items.isEmpty else { return nil }
        var records: [UInt8] = []
        var index: [UInt8] = []
        for item in items.sorted(by: { $0.hash < $1.hash }) {
            index += RecordPack.indexLine(RecordPack.Entry(hash: item.hash, offset: records.count, length: item.bytes.count))
            records += item.bytes
            records.append(0x0A)
        }
        // Beneath the root with no link followed: the pack directory's descriptor, then names in it.
        let root = try stateRoot()
        let relPack = StateLayout.relObjects + "/pack"
        try root.createDirectory(relPack)
        let dir = try root.openDirectory(relPack)
        defer { close(dir) }
        let name = "pack-" + Digest.sha256Hex(records)
        try BeneathRoot.writeFile(records, named: name + ".records", in: dir, mode: 0o444, shown: "\(packDirectory)/\(name).records")
        try BeneathRoot.writeFile(index, named: name + ".idx", in: dir, mode: 0o444, shown: "\(packDirectory)/\(name).idx")
        return name
    }

    /// Packs the loose records when an append crossed a multiple of `autoPackInterval` entries, so large
    /// histories live mostly in packs. Best effort: the run is already recorded.
    func autoPack(from first: Int, to last: Int) {
        guard last / Self.autoPackInterval > (first - 1) / Self.autoPackInterval else { return }
        _ = try? pack()
    }

    static var autoPackInterval: Int { 4096 }

    /// Hashes every record of every pack (in parallel) against its index entry, and checks that the records
    /// tile each records file exactly (nothing added, removed or moved between them).
    ///
    /// The pack directory and both files of each pack are opened beneath the root with no symbolic link
    /// followed: a link there, even one swapped in after the early check, is an error naming it.
    func verifyPacks() throws(SdetkitError) -> (packs: [VerifiedPack], problems: [VerifyProblem]) {
        var verified: [VerifiedPack] = []
        var problems: [VerifyProblem] = []
        let root = try stateRoot()
        guard let dir = try root.openDirectoryIfPresent(Self.relPackDirectory) else { return ([], []) }
        defer { close(dir) }
        for pack in try packs(in: dir) {
            // Packs are immutable once written: mapped, not copied.
            let recordsFD = BeneathRoot.openFile(pack.name + ".records", in: dir)
            let indexFD = BeneathRoot.openFile(pack.name + ".idx", in: dir)
            defer { for fd in [recordsFD, indexFD] where fd >= 0 { close(fd) } }
            if recordsFD == -ELOOP { throw root.error(ELOOP, pack.rel(".records"), "cannot read") }
            if indexFD == -ELOOP { throw root.error(ELOOP, pack.rel(".idx"), "cannot read") }
            guard recordsFD >= 0, indexFD >= 0, let records = try? MappedFile(fd: recordsFD, path: pack.recordsPath),
                  let indexBytes = try? FileSystem.readAll(fd: indexFD, path: pack.indexPath) else {
                problems.append(VerifyProblem(kind: "edited-pack", seq: nil, hash: nil, detail: "pack \(pack.name) cannot be read"))
                continue
            }
            var (entries, malformed) = RecordPack.parseIndex(indexBytes)
            if let line = malformed {
                problems.append(VerifyProblem(kind: "edited-pack", seq: nil, hash: nil,
                    detail: "pack \(pack.name): index line \(line) is malformed"))
            }
            if !entries.indices.dropFirst().allSatisfy({ entries[$0 - 1].hash < entries[$0].hash }) {
                entries.sort { $0.hash < $1.hash }
            }
            // Records are written in hash order, each followed by a newline, with nothing in between.
            var expected = 0
            var tiled = true
            for e in entries.sorted(by: { $0.offset < $1.offset }) {
                if e.offset != expected { tiled = false; break }
                expected = e.offset + e.length + 1
            }
            if !tiled || expected != records.bytes.count {
                problems.append(VerifyProblem(kind: "edited-pack", seq: nil, hash: nil,
                    detail: "pack \(pack.name) was modified: its records file holds bytes its index does not account for"))
            }
            let intact = UnsafeResultBuffer(count: entries.count)
            let chunk = 1024
            let all = entries
            do {
                let base = SendableRawBuffer(records.bytes)
                DispatchQueue.concurrentPerform(iterations: (all.count + chunk - 1) / chunk) { c in
                    for i in (c * chunk)..<min(all.count, (c + 1) * chunk) {
                        let e = all[i]
                        guard e.offset >= 0, e.length >= 0, e.offset + e.length < base.raw.count,
                              base.raw[e.offset + e.length] == 0x0A else { intact.set(i, 2); continue }
                        var hasher = Digest.Hasher()
                        hasher.update(UnsafeRawBufferPointer(rebasing: base.raw[e.offset..<(e.offset + e.length)]))
                        intact.set(i, hasher.finalizeValue() == e.hash ? 0 : 2)
                    }
                }
            }
            withExtendedLifetime(records) {}
            verified.append(VerifiedPack(name: pack.name, hashes: all.map(\.hash), intact: (0..<all.count).map { intact.get($0) == 0 }))
        }
        return (verified, problems)
    }
}

/// A pack's records after verification: hashes sorted, and whether each record matched its hash.
struct VerifiedPack {
    let name: String
    let hashes: [SHA256Value]
    let intact: [Bool]

    /// Whether the pack holds `hash` and, if so, whether that copy is intact (binary search).
    func lookup(_ hash: SHA256Value) -> Bool? {
        var lo = 0, hi = hashes.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if hashes[mid] == hash { return intact[mid] }
            if hashes[mid] < hash { lo = mid + 1 } else { hi = mid }
        }
        return nil
    }
}

/// A read-only byte buffer shared by concurrent workers for the duration of one call.
struct SendableRawBuffer: @unchecked Sendable {
    let raw: UnsafeRawBufferPointer
    init(_ raw: UnsafeRawBufferPointer) { self.raw = raw }
}
