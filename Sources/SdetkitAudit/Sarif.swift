import SdetkitCore

extension AuditReport {
    public static let sarifSchemaURI =
        "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
    /// Key of `partialFingerprints` holding ``Finding/fingerprint``.
    public static let sarifFingerprintKey = "sdetkit/v1"

    /// A SARIF 2.1.0 log for GitHub code scanning: one run, the profile's rules, one result per finding.
    /// Locations are repo-relative URIs under `%SRCROOT%`; repository-level findings point at the missing file's
    /// expected place without a region.
    /// GitHub code scanning accepts at most this many results per run.
    public static let sarifResultLimit = 25_000

    public func sarif() -> JSONValue { sarif(limit: Self.sarifResultLimit) }

    /// The SARIF log with at most `limit` results: findings are in report order (most severe first), so the
    /// most severe are kept, and a run-level notification says how many were left out.
    func sarif(limit: Int) -> JSONValue {
        var indexOf: [String: Int] = [:]
        for (i, r) in rules.enumerated() where indexOf[r.id] == nil { indexOf[r.id] = i }
        let driver: JSONValue = [
            "name": .string(ToolInfo.name),
            "informationUri": .string(AuditCatalogue.informationURI),
            "version": .string(ToolInfo.version),
            "semanticVersion": .string(ToolInfo.version),
            "rules": .array(rules.map(Self.sarifRule)),
        ]
        let kept = findings.prefix(max(0, limit))
        var run: [String: JSONValue] = [
            "tool": ["driver": driver],
            "automationDetails": ["id": .string("sdetkit-audit/\(profile.rawValue)/")],
            "results": .array(kept.map { sarifResult($0, ruleIndex: indexOf[$0.ruleID]) }),
        ]
        let left = findings.count - kept.count
        if left > 0 {
            run["invocations"] = [[
                "executionSuccessful": true,
                "toolExecutionNotifications": [[
                    "level": "warning",
                    "message": ["text": .string("\(left) of \(findings.count) results left out: code scanning accepts "
                        + "at most \(limit) per run; the most severe were kept (the JSON report has them all)")],
                ]],
            ]]
        }
        return [
            "$schema": .string(Self.sarifSchemaURI),
            "version": "2.1.0",
            "runs": [.object(run)],
        ]
    }

    static func sarifRule(_ r: AuditRule) -> JSONValue {
        var properties: [String: JSONValue] = [:]
        var tags: [JSONValue] = []
        if r.isSecurity { tags.append("security") }
        if let category = r.id.split(separator: ".").first { tags.append(.string(String(category))) }
        properties["tags"] = .array(tags)
        if r.isSecurity, let s = r.severity.securitySeverity { properties["security-severity"] = .string(s) }
        var o: [String: JSONValue] = [
            "id": .string(r.id),
            "name": .string(sarifName(r.id)),
            "shortDescription": ["text": .string(r.title)],
            "fullDescription": ["text": .string(r.description)],
            "help": ["text": .string(r.remediation), "markdown": .string(r.remediation)],
            "defaultConfiguration": ["level": .string(r.severity.sarifLevel)],
            "properties": .object(properties),
        ]
        if let uri = r.helpURI { o["helpUri"] = .string(uri) }
        return .object(o)
    }

    /// One result. A repository-level finding points at ``repositoryAnchor`` (a file that exists, no region);
    /// a tar member's finding at the tar file. Without an anchor (no tracked file) it has no location.
    func sarifResult(_ f: Finding, ruleIndex: Int?) -> JSONValue {
        var locations: [JSONValue] = []
        if let uri = f.path.map({ String($0.split(separator: "!", maxSplits: 1).first ?? Substring($0)) })
            ?? repositoryAnchor {
            var physical: [String: JSONValue] = [
                "artifactLocation": ["uri": .string(Self.percentEncodePath(uri)), "uriBaseId": "%SRCROOT%"],
            ]
            if let line = f.line, line >= 1, f.path?.contains("!") != true {
                physical["region"] = ["startLine": .int(line)]
            }
            locations = [["physicalLocation": .object(physical)]]
        }
        var o: [String: JSONValue] = [
            "ruleId": .string(f.ruleID),
            "level": .string(f.severity.sarifLevel),
            "message": ["text": .string(f.path.flatMap { p in p.firstIndex(of: "!").map { "\(p[p.index(after: $0)...]): " } }
                .map { $0 + f.message } ?? f.message)],
            "partialFingerprints": [Self.sarifFingerprintKey: .string(f.fingerprint)],
            "properties": f.context.map { ["severity": .string(f.severity.rawValue), "context": .string($0)] }
                ?? ["severity": .string(f.severity.rawValue)],
        ]
        if !locations.isEmpty { o["locations"] = .array(locations) }
        if let ruleIndex { o["ruleIndex"] = .int(ruleIndex) }
        return .object(o)
    }

    /// `secrets.aws-access-key-id` → `AwsAccessKeyId` (the last id component in PascalCase).
    static func sarifName(_ id: String) -> String {
        let last = id.split(separator: ".").last.map(String.init) ?? id
        return last.split(whereSeparator: { $0 == "-" || $0 == "_" })
            .map { $0.prefix(1).uppercased() + $0.dropFirst() }
            .joined()
    }

    /// Percent-encodes everything but RFC 3986 unreserved characters and '/'.
    static func percentEncodePath(_ path: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for b in path.utf8 {
            let unreserved = (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39)
                || b == UInt8(ascii: "-") || b == UInt8(ascii: ".") || b == UInt8(ascii: "_")
                || b == UInt8(ascii: "~") || b == UInt8(ascii: "/")
            if unreserved {
                out.append(b)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 0xF)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
