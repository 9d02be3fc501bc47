/// A unified diff of two texts, line by line (longest common subsequence; 3 lines of context), as
/// `diff -u` prints it. Meant for template-sized files: past 4 million line pairs it shows one hunk that
/// replaces everything.
public enum LineDiff {
    enum Op: Equatable { case same(String), removed(String), added(String) }

    public static func unified(_ old: String, _ new: String, file: String, context: Int = 3) -> String {
        let a = split(old), b = split(new)
        let ops = diff(a, b)
        guard ops.contains(where: { if case .same = $0 { return false } else { return true } }) else { return "" }
        var out = "--- a/\(file)\n+++ b/\(file)\n"
        // Positions of changed ops; group those within 2*context of each other.
        let changed = ops.indices.filter { if case .same = ops[$0] { return false } else { return true } }
        var groups: [(Int, Int)] = []
        for i in changed {
            if let last = groups.last, i - last.1 <= 2 * context { groups[groups.count - 1].1 = i } else { groups.append((i, i)) }
        }
        for (lo, hi) in groups {
            let start = max(0, lo - context), end = min(ops.count - 1, hi + context)
            var oldLine = 1, newLine = 1
            for op in ops[..<start] {
                switch op {
                case .same: oldLine += 1; newLine += 1
                case .removed: oldLine += 1
                case .added: newLine += 1
                }
            }
            var body = "", oldCount = 0, newCount = 0
            for op in ops[start...end] {
                switch op {
                case .same(let l): body += " \(l)\n"; oldCount += 1; newCount += 1
                case .removed(let l): body += "-\(l)\n"; oldCount += 1
                case .added(let l): body += "+\(l)\n"; newCount += 1
                }
            }
            out += "@@ -\(oldCount == 0 ? oldLine - 1 : oldLine),\(oldCount) +\(newCount == 0 ? newLine - 1 : newLine),\(newCount) @@\n" + body
        }
        return out
    }

    static func split(_ s: String) -> [String] {
        var lines = s.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    static func diff(_ a: [String], _ b: [String]) -> [Op] {
        let n = a.count, m = b.count
        guard n * m <= 4_000_000 else { return a.map { .removed($0) } + b.map { .added($0) } }
        // lcs[i][j]: length of the LCS of a[i...] and b[j...].
        var lcs = [[Int32]](repeating: [Int32](repeating: 0, count: m + 1), count: n + 1)
        for i in stride(from: n - 1, through: 0, by: -1) {
            for j in stride(from: m - 1, through: 0, by: -1) {
                lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : max(lcs[i + 1][j], lcs[i][j + 1])
            }
        }
        var ops: [Op] = []
        var i = 0, j = 0
        while i < n || j < m {
            if i < n, j < m, a[i] == b[j] {
                ops.append(.same(a[i])); i += 1; j += 1
            } else if i < n, j == m || lcs[i + 1][j] >= lcs[i][j + 1] {
                ops.append(.removed(a[i])); i += 1
            } else {
                ops.append(.added(b[j])); j += 1
            }
        }
        return ops
    }
}
