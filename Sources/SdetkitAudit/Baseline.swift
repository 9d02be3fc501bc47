import SdetkitCore

/// Baselines: accept the findings of an earlier report and report only new ones.
public enum Baseline {
    /// The fingerprints in a previous sdetkit audit report: the JSON form (`findings[].fingerprint`) or SARIF
    /// (`runs[].results[].partialFingerprints["sdetkit/v1"]`).
    public static func load(path: String) throws(AuditError) -> Set<String> {
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.readBytes(path)
        } catch {
            throw .baselineUnreadable(path: path, reason: error.message)
        }
        let json: JSONValue
        do {
            json = try JSONParser.parse(bytes: bytes)
        } catch {
            throw .baselineInvalid(path: path, reason: error.description)
        }
        return try fingerprints(in: json, path: path)
    }

    /// Fingerprints of an already parsed report (`path` is only used in error messages).
    public static func fingerprints(in json: JSONValue, path: String = "baseline") throws(AuditError) -> Set<String> {
        if let findings = json["findings"]?.arrayValue {
            guard json["schema"]?.stringValue == AuditReport.schema else {
                throw .baselineInvalid(path: path, reason: "no \"schema\": \"\(AuditReport.schema)\"")
            }
            return Set(findings.compactMap { $0["fingerprint"]?.stringValue })
        }
        if let runs = json["runs"]?.arrayValue {
            var out = Set<String>()
            for run in runs {
                for result in run["results"]?.arrayValue ?? [] {
                    if let fp = result["partialFingerprints"]?[AuditReport.sarifFingerprintKey]?.stringValue {
                        out.insert(fp)
                    }
                }
            }
            return out
        }
        throw .baselineInvalid(path: path, reason: "neither a \"findings\" array nor SARIF \"runs\"")
    }

    /// `report` without the findings whose fingerprint is in `baseline`; the score is recomputed over the
    /// remaining findings and `suppressedByBaseline` counts the ones left out.
    public static func filter(_ report: AuditReport, baseline: Set<String>) -> AuditReport {
        var out = report
        out.findings = report.findings.filter { !baseline.contains($0.fingerprint) }
        out.suppressedByBaseline = report.suppressedByBaseline + (report.findings.count - out.findings.count)
        out.score = AuditScore.compute(out.findings)
        return out
    }
}
