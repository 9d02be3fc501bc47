import SdetkitCore

/// Repository-level governance checks over the full list of tracked files.
enum Governance {
    /// Findings for the governance files missing in `files` under `profile`.
    static func findings(files: [AuditFile], profile: AuditProfile) -> [Finding] {
        let index = PathIndex(files.filter { !$0.isSubmodule }.map(\.path))
        var out: [Finding] = []
        for check in GovernanceCheck.all {
            guard let rule = check.rule(for: profile) else { continue }
            if index.matches(check.matcher) { continue }
            out.append(Finding(
                ruleID: rule.id, severity: rule.severity, path: nil, line: nil,
                message: "\(rule.title): expected \(check.expected)", remediation: rule.remediation,
                fingerprint: Fingerprint.repoLevel(ruleID: rule.id)))
        }
        return out
    }

    /// Lower-cased tracked paths, with the (directory, stem) pairs of the governance directories.
    struct PathIndex {
        let lowered: Set<String>
        /// Lowercased paths, in the given order (for prefix lookups).
        let all: [String]
        /// Basename stems of files directly in "", "docs/" or ".github/".
        let governanceStems: [String]

        /// Paths are compared as bytes (git paths are bytes): no Unicode-aware scanning of every path.
        init(_ paths: [String]) {
            var lowered = Set<String>(minimumCapacity: paths.count)
            var all: [String] = []
            all.reserveCapacity(paths.count)
            var stems: [String] = []
            for path in paths {
                let p = path.lowercased()
                lowered.insert(p)
                all.append(p)
                let u = p.utf8
                let dirLength = u.lastIndex(of: UInt8(ascii: "/")).map { u.distance(from: u.startIndex, to: $0) + 1 } ?? 0
                guard GovernanceCheck.governanceDirs.contains(where: { $0.utf8.count == dirLength && u.starts(with: $0.utf8) })
                else { continue }
                let base = u.dropFirst(dirLength)
                let stem = base.firstIndex(of: UInt8(ascii: ".")).map { base[..<$0] } ?? base
                stems.append(String(decoding: stem, as: UTF8.self))
            }
            self.lowered = lowered
            self.all = all
            self.governanceStems = stems
        }

        func matches(_ matcher: GovernanceCheck.Matcher) -> Bool {
            switch matcher {
            case .stems(let names, let allowSuffix):
                return governanceStems.contains { stem in
                    names.contains { name in
                        stem == name || (allowSuffix && (stem.hasPrefix(name + "-") || stem.hasPrefix(name + "_")))
                    }
                }
            case .paths(let exact, let prefixes):
                if exact.contains(where: { lowered.contains($0) }) { return true }
                return prefixes.contains { prefix in hasPath(withPrefix: prefix) }
            case .any(let a, let b):
                return matches(a) || matches(b)
            }
        }

        /// Whether any path starts with `prefix` (a handful of prefixes per audit: a byte scan is cheap).
        private func hasPath(withPrefix prefix: String) -> Bool {
            all.contains { $0.utf8.starts(with: prefix.utf8) }
        }
    }
}
