/// GitHub Actions workflow files: which files are workflows, and action pinning (WorkflowRules has the audits).
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

    /// Runs every workflow audit on one file. A file over ``WorkflowModel/maxBytes``, invalid YAML or one whose
    /// aliases expand past ``WorkflowModel/maxNodes`` gets an info finding instead.
    static func scan(_ buf: UnsafeBufferPointer<UInt8>, profile: AuditProfile, into out: inout [RawFinding]) {
        if buf.count > WorkflowModel.maxBytes {
            out.append(RawFinding(rule: AuditCatalogue.workflowNotAnalysed, line: nil, normalised: nil,
                                  message: "Workflow not analysed: \(buf.count) bytes (limit \(WorkflowModel.maxBytes))"))
            return
        }
        let text = String(decoding: buf, as: UTF8.self)
        let model: WorkflowModel
        do {
            model = try WorkflowModel.parse(text)
        } catch {
            let why: String
            switch error {
            case .tooComplex: why = "YAML aliases expand past \(WorkflowModel.maxNodes) nodes"
            case .invalid(let reason): why = "invalid YAML (\(reason.prefix(120)))"
            }
            out.append(RawFinding(rule: AuditCatalogue.workflowNotAnalysed, line: nil, normalised: nil,
                                  message: "Workflow not analysed: \(why)"))
            return
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var seen: Set<String> = []
        for (rule, line, message) in WorkflowRules.check(model, profile: profile) {
            let raw = line >= 1 && line <= lines.count ? String(lines[line - 1]) : ""
            if ScanContext.allowMarkers.contains(where: { raw.contains($0) }) { continue }
            if !seen.insert("\(rule.id)\u{0}\(line)\u{0}\(message)").inserted { continue }
            out.append(RawFinding(rule: rule, line: line, normalised: Fingerprint.normalise(raw), message: message))
        }
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
