/// GitHub Actions workflow checks (line-based; workflows are small YAML files).
enum Workflows {
    /// `.github/workflows/<name>.yml` or `.yaml` (direct children only, as GitHub reads them).
    static func isWorkflow(_ path: String) -> Bool {
        let prefix = ".github/workflows/"
        guard path.hasPrefix(prefix) else { return false }
        let rest = path.dropFirst(prefix.count)
        guard !rest.contains("/") else { return false }
        return rest.hasSuffix(".yml") || rest.hasSuffix(".yaml")
    }

    /// GitHub-owned action namespaces, exempt from the pinning rule in the default profile.
    static let firstPartyOwners: Set<String> = ["actions", "github"]

    struct Line {
        let number: Int
        let raw: String
        /// Key and value of a `key: value` line (list dash removed, comment and quotes stripped).
        let key: String?
        let value: String
    }

    static func scan(_ buf: UnsafeBufferPointer<UInt8>, profile: AuditProfile, into out: inout [RawFinding]) {
        let text = String(decoding: buf, as: UTF8.self)
        var lines: [Line] = []
        var number = 0
        for rawSub in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            var raw = String(rawSub)
            if raw.hasSuffix("\r") { raw.removeLast() }
            let trimmed = raw.trimmingWhitespace()
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            if raw.contains(ScanContext.allowMarker) { continue }
            var body = Substring(trimmed)
            if body.hasPrefix("- ") { body = body.dropFirst(2) }
            var key: String?
            var value = String(body)
            if let colon = body.firstIndex(of: ":"), !body[..<colon].contains(" ") || body[..<colon].hasPrefix("\"") {
                key = unquote(String(body[..<colon]).trimmingWhitespace())
                value = String(body[body.index(after: colon)...])
            }
            value = unquote(stripComment(value).trimmingWhitespace())
            lines.append(Line(number: number, raw: raw, key: key, value: value))
        }

        let prTarget = lines.contains { $0.raw.contains("pull_request_target") }
        let checkout = lines.contains { $0.raw.contains("actions/checkout") }
        for line in lines {
            let normalised = Fingerprint.normalise(line.raw)
            if prTarget && checkout, let key = line.key, key == "ref" || key == "repository",
               untrustedHeadReference(line.value, key: key) {
                out.append(RawFinding(
                    rule: AuditCatalogue.prTargetCheckout, line: line.number, normalised: normalised,
                    message: "pull_request_target workflow checks out the pull request head (\(key): \(line.value))"))
            }
            if line.key == "permissions" && line.value == "write-all" {
                out.append(RawFinding(
                    rule: AuditCatalogue.writeAllPermissions, line: line.number, normalised: normalised,
                    message: "Workflow grants 'permissions: write-all' to the GITHUB_TOKEN"))
            }
            if line.key == "uses", let message = unpinnedMessage(line.value, profile: profile) {
                out.append(RawFinding(rule: AuditCatalogue.unpinnedAction, line: line.number,
                                      normalised: normalised, message: message))
            }
        }
    }

    static func untrustedHeadReference(_ value: String, key: String) -> Bool {
        let v = value.replacingSpaces()
        if v.contains("github.event.pull_request.head.") || v.contains("github.head_ref") { return true }
        return key == "ref" && v.contains("refs/pull/")
    }

    /// The message when `uses` names a remote action or image not pinned to an immutable reference.
    static func unpinnedMessage(_ uses: String, profile: AuditProfile) -> String? {
        if uses.isEmpty || uses.hasPrefix("./") || uses.hasPrefix("../") || uses.contains("${{") { return nil }
        if uses.hasPrefix("docker://") {
            if uses.contains("@sha256:") { return nil }
            return "Container image '\(uses)' is not pinned to an @sha256 digest"
        }
        guard let at = uses.lastIndex(of: "@") else {
            return "Action '\(uses)' has no version; pin it to a full commit SHA"
        }
        if isHex40(uses[uses.index(after: at)...]) { return nil }
        let owner = uses.split(separator: "/").first.map { $0.lowercased() } ?? ""
        if profile == .default && firstPartyOwners.contains(owner) { return nil }
        return "Action '\(uses)' is not pinned to a full commit SHA"
    }

    static func isHex40(_ s: Substring) -> Bool {
        s.utf8.count == 40 && s.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66)
            || ($0 >= 0x41 && $0 <= 0x46) }
    }

    /// Drops a trailing ` # comment` (YAML needs whitespace before '#').
    static func stripComment(_ s: String) -> String {
        var previous: Character = " "
        var inSingle = false, inDouble = false
        for i in s.indices {
            let c = s[i]
            if c == "'" && !inDouble { inSingle.toggle() }
            if c == "\"" && !inSingle { inDouble.toggle() }
            if c == "#" && !inSingle && !inDouble && (previous == " " || previous == "\t") { return String(s[..<i]) }
            previous = c
        }
        return s
    }

    static func unquote(_ s: String) -> String {
        if s.count >= 2, let f = s.first, let l = s.last, (f == "\"" && l == "\"") || (f == "'" && l == "'") {
            return String(s.dropFirst().dropLast())
        }
        return s
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\r" || f == "\n" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" || l == "\n" { s.removeLast() }
        return String(s)
    }

    func replacingSpaces() -> String { String(filter { $0 != " " }) }
}
