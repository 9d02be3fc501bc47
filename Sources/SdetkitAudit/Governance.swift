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
        let sortedLowered: [String]
        /// Basename stems of files directly in "", "docs/" or ".github/".
        let governanceStems: [String]

        init(_ paths: [String]) {
            let lowered = paths.map { $0.lowercased() }
            self.lowered = Set(lowered)
            self.sortedLowered = lowered.sorted()
            var stems: [String] = []
            for p in lowered {
                let dir = Path.dirnameOrEmpty(p)
                guard GovernanceCheck.governanceDirs.contains(dir) else { continue }
                let base = p.dropFirst(dir.count)
                stems.append(String(base.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
                    .first ?? ""))
            }
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

        /// Binary search for the first path ≥ prefix.
        private func hasPath(withPrefix prefix: String) -> Bool {
            var lo = 0, hi = sortedLowered.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if sortedLowered[mid] < prefix { lo = mid + 1 } else { hi = mid }
            }
            return lo < sortedLowered.count && sortedLowered[lo].hasPrefix(prefix)
        }
    }
}

extension Path {
    /// The directory part of a repo-relative path including its trailing '/', or "" for a root file.
    static func dirnameOrEmpty(_ p: String) -> String {
        guard let slash = p.lastIndex(of: "/") else { return "" }
        return String(p[...slash])
    }
}
