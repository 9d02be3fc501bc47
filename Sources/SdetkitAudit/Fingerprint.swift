import SdetkitCore

/// Finding fingerprints: the first 32 hex digits of SHA-256 over
/// `rule_id NUL path NUL normalised-line [NUL occurrence]` (occurrence only when > 0), so a fingerprint survives
/// edits elsewhere in the file. File-level findings hash `rule_id NUL path`; repository-level `rule_id NUL .`.
public enum Fingerprint {
    static let length = 32

    public static func line(ruleID: String, path: String, normalisedLine: [UInt8], occurrence: Int) -> String {
        var bytes = Array(ruleID.utf8)
        bytes.append(0)
        bytes.append(contentsOf: path.utf8)
        bytes.append(0)
        bytes.append(contentsOf: normalisedLine)
        if occurrence > 0 {
            bytes.append(0)
            bytes.append(contentsOf: String(occurrence).utf8)
        }
        return String(Digest.sha256Hex(bytes).prefix(length))
    }

    public static func file(ruleID: String, path: String) -> String {
        String(Digest.sha256Hex(Array(ruleID.utf8) + [0] + Array(path.utf8)).prefix(length))
    }

    public static func repoLevel(ruleID: String) -> String { file(ruleID: ruleID, path: ".") }

    /// Whitespace runs (space, tab, CR, LF, VT, FF) collapsed to one space, leading and trailing removed.
    public static func normalise(_ line: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(line.count)
        var pendingSpace = false
        for b in line {
            if b == 0x20 || (b >= 0x09 && b <= 0x0D) {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out.append(0x20); pendingSpace = false }
                out.append(b)
            }
        }
        return out
    }

    public static func normalise(_ line: String) -> [UInt8] {
        Array(line.utf8).withUnsafeBufferPointer { normalise($0) }
    }
}

/// The 0–10 score (docs/audit.md "Score").
///
/// Findings are grouped by (rule, severity). A group of n findings costs `weight × (1 − 2^−n)`: the first
/// finding half the weight, each further one half of the previous, never more than the full weight, so many
/// copies of one problem cannot outweigh a different one. score = max(0, 10 − Σ cost), rounded to 1 decimal.
public enum AuditScore {
    public static func compute(_ findings: [Finding]) -> Double {
        var counts: [String: (Severity, Int)] = [:]
        for f in findings {
            let key = f.ruleID + "\u{0}" + f.severity.rawValue
            counts[key, default: (f.severity, 0)].1 += 1
        }
        var penalty = 0.0
        for key in counts.keys.sorted() {
            guard let (severity, n) = counts[key] else { continue }
            // Governance rules (missing files) are hygiene: they cost half as much as a risk in the content.
            let factor = key.hasPrefix("governance.") ? 0.5 : 1.0
            penalty += severity.weight * factor * (1 - pow2(-min(n, 60)))
        }
        let raw = max(0, 10 - penalty)
        return (raw * 10).rounded(.toNearestOrAwayFromZero) / 10
    }

    static func pow2(_ e: Int) -> Double {
        var v = 1.0
        if e >= 0 { for _ in 0..<e { v *= 2 } } else { for _ in 0..<(-e) { v /= 2 } }
        return v
    }
}
