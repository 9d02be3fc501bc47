/// Which parts of two JSON values differ, as dotted paths (`repo.head`, `actions[0].result.sha256`).
public enum RecordDiff {
    public static func paths(_ a: JSONValue, _ b: JSONValue, limit: Int = 20) -> [String] {
        var out: [String] = []
        walk(a, b, path: "", into: &out, limit: limit)
        return out
    }

    static func walk(_ a: JSONValue, _ b: JSONValue, path: String, into out: inout [String], limit: Int) {
        if out.count >= limit || a == b { return }
        switch (a, b) {
        case (.object(let x), .object(let y)):
            for k in Set(x.keys).union(y.keys).sorted() {
                let p = path.isEmpty ? k : "\(path).\(k)"
                walk(x[k] ?? .null, y[k] ?? .null, path: p, into: &out, limit: limit)
            }
        case (.array(let x), .array(let y)) where x.count == y.count:
            for i in x.indices { walk(x[i], y[i], path: "\(path)[\(i)]", into: &out, limit: limit) }
        default:
            out.append(path.isEmpty ? "(whole record)" : path)
        }
    }
}
