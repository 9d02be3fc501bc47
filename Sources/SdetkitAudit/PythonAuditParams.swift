import SdetkitCore
import SdetkitEngine

/// The Python sdetkit's `repo.audit` params, accepted as they are (docs/templates.md, "The Python format"):
/// `output_json`, `output_sarif`, `output_md` (report paths, usually `${{run.output_dir}}/NAME`) and
/// `changed_only` (changed since `HEAD~1`, as the Python tool's default `since_ref`).
enum PythonAuditParams {
    static let keys: [(key: String, format: String)] = [("output_json", "json"), ("output_sarif", "sarif"), ("output_md", "md")]
    static let changedOnlyBase = "HEAD~1"

    /// `(format, file)` for each Python output param that is set.
    static func outputs(_ params: JSONValue) -> [(format: String, name: String)] {
        keys.compactMap { k in
            guard let s = params[k.key]?.stringValue, !s.isEmpty else { return nil }
            return (k.format, s)
        }
    }

    /// `changed_only`: a bool, or the text true/false (interpolated inputs are text).
    static func changedOnly(_ params: JSONValue) -> Result<Bool, ParamError> {
        guard let v = params["changed_only"], !v.isNull else { return .success(false) }
        if let b = v.boolValue { return .success(b) }
        switch v.stringValue?.lowercased() {
        case "true", "yes", "1", "on": return .success(true)
        case "false", "no", "0", "off", "": return .success(false)
        default: return .failure(ParamError("repo.audit: param 'changed_only' must be true or false, got \(v.stringValue.map { "'\($0)'" } ?? v.typeName)"))
        }
    }
}

extension AuditProfile {
    /// The profile for a requested name, and a warning when the name is not one of this tool's profiles.
    /// The Python sdetkit accepts any profile name and runs its core rule pack for every name except
    /// `enterprise`, so `strict` and any other unknown name map to `default` (never a failure).
    public static func mapping(_ name: String) -> (AuditProfile, warning: String?) {
        if let p = AuditProfile(rawValue: name) { return (p, nil) }
        let shown = name.count > 40 ? String(name.prefix(40)) + "…" : name
        return (.default, "profile '\(shown)' is not a profile here (default, enterprise); ran 'default', as the Python sdetkit does for it (docs/templates.md)")
    }
}
