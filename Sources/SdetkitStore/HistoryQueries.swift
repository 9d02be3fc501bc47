import SdetkitCore

extension HistoryStore {
    /// Newest first. `status` filters on ok/failed/denied.
    public func list(limit: Int, status: String? = nil) throws -> [IndexedRun] {
        try withIndex { db in
            let sql = "SELECT \(IndexSchema.selectColumns) FROM runs" + (status == nil ? "" : " WHERE status = ?")
                + " ORDER BY seq DESC LIMIT ?"
            let s = try db.prepare(sql)
            if let status { s.bindAll([status, limit]) } else { s.bindAll([limit]) }
            var out: [IndexedRun] = []
            while try s.step() { out.append(IndexSchema.row(s)) }
            return out
        }
    }

    public func count() throws -> Int {
        try withIndex { db in
            let s = try db.prepare("SELECT COUNT(*) FROM runs")
            return try s.step() ? s.int(0) : 0
        }
    }

    /// Resolves a sequence number, a full hash, or a unique hash prefix of at least 7 hex characters.
    /// A hash shared by several runs (identical runs) resolves to the newest of them.
    public func resolve(_ ref: String) throws -> IndexedRun {
        let r = ref.lowercased()
        return try withIndex { db in
            if let seq = Int(r), r.allSatisfy(\.isNumber) {
                let s = try db.prepare("SELECT \(IndexSchema.selectColumns) FROM runs WHERE seq = ?")
                s.bindAll([seq])
                if try s.step() { return IndexSchema.row(s) }
                if r.count < 7 { throw SdetkitError("no run with sequence number \(seq); see 'sdetkit agent history list'") }
            }
            guard r.count >= 7, r.count <= 64, r.allSatisfy(\.isHexDigit) else {
                throw SdetkitError("'\(ref)' is not a run reference; use a sequence number, a hash, or a hash prefix of at least 7 hex characters")
            }
            let s = try db.prepare("SELECT \(IndexSchema.selectColumns) FROM runs WHERE hash >= ? AND hash < ? ORDER BY seq DESC")
            s.bindAll([r, r + "g"])
            var found: [IndexedRun] = []
            while try s.step() { found.append(IndexSchema.row(s)) }
            let hashes = Set(found.map(\.hash))
            if hashes.isEmpty { throw SdetkitError("no run matches '\(ref)'; see 'sdetkit agent history list'") }
            if hashes.count > 1 {
                throw SdetkitError("'\(ref)' matches \(hashes.count) different runs; give more characters of the hash")
            }
            return found[0]
        }
    }

    /// Streams every indexed run in sequence order, in batches, keeping memory flat.
    public func forEachRun(where filter: RunFilter = RunFilter(), _ body: (IndexedRun) throws -> Void) throws {
        try withIndex { db in
            let (clause, args) = filter.sql()
            let s = try db.prepare("SELECT \(IndexSchema.selectColumns) FROM runs\(clause) ORDER BY seq")
            s.bindAll(args)
            while try s.step() { try body(IndexSchema.row(s)) }
        }
    }
}

/// Filters shared by list/export/dashboards.
public struct RunFilter: Sendable, Hashable {
    public var sinceEpoch: Int64?
    public var untilEpoch: Int64?
    public var template: String?
    public var status: String?

    public init(sinceEpoch: Int64? = nil, untilEpoch: Int64? = nil, template: String? = nil, status: String? = nil) {
        self.sinceEpoch = sinceEpoch
        self.untilEpoch = untilEpoch
        self.template = template
        self.status = status
    }

    /// A `WHERE …` clause (with leading space, or empty) over table `runs` and its arguments.
    public func sql() -> (String, [(any SQLBindable)?]) {
        var parts: [String] = []
        var args: [(any SQLBindable)?] = []
        if let sinceEpoch { parts.append("captured_epoch >= ?"); args.append(sinceEpoch) }
        if let untilEpoch { parts.append("captured_epoch < ?"); args.append(untilEpoch) }
        if let template { parts.append("template = ?"); args.append(template) }
        if let status { parts.append("status = ?"); args.append(status) }
        return (parts.isEmpty ? "" : " WHERE " + parts.joined(separator: " AND "), args)
    }
}
