import SdetkitCore

/// Where an action's named output goes: inside the run's output directory (a template run's `outputDir`,
/// else `.sdetkit/agent/workdir`). A name is relative to that directory (`audit.json`, `reports/a.md`); a
/// repo-relative path that already starts with the directory (`${{run.output_dir}}/audit.json`, the Python
/// sdetkit's form) is taken as it is. Absolute paths and `..` are refused. The write itself still goes
/// through the policy engine (``PolicedFiles``).
public enum OutputTarget {
    /// What follows `${{run.output_dir}}/` (any spacing inside the braces); "" for the bare expression; nil otherwise.
    package static func stripRunOutputDir(_ s: String) -> String? {
        guard s.hasPrefix("${{"), let close = s.range(of: "}}") else { return nil }
        let expr = String(s[s.index(s.startIndex, offsetBy: 3)..<close.lowerBound]).filter { $0 != " " }
        guard expr == "run.output_dir" else { return nil }
        let rest = s[close.upperBound...]
        guard rest.hasPrefix("/") else { return rest.isEmpty ? "" : nil }
        return String(rest.dropFirst())
    }

    /// The repo-relative path for output `name` of `action` (param `param`), or a one-line reason.
    public static func path(_ name: String, param: String, outputDir: String?, action: String) -> Result<String, ParamError> {
        let dir = outputDir ?? StateLayout.relWorkdir
        let parts = Path.components(name)
        guard !name.isEmpty, !name.hasPrefix("/"), !parts.isEmpty, !parts.contains(".."), !name.contains("\0") else {
            return .failure(ParamError("\(action): param '\(param)' must be a file name inside the output directory \(dir) (no '/' prefix, no '..'), got '\(name)'"))
        }
        let joined = parts.joined(separator: "/")
        if !dir.isEmpty, dir != ".", Path.isInside(joined, dir) {
            guard joined != dir else {
                return .failure(ParamError("\(action): param '\(param)' names the output directory itself; give a file name inside it"))
            }
            return .success(joined)
        }
        return .success(dir.isEmpty || dir == "." ? joined : Path.join(dir, joined))
    }
}

extension ActionIsolation {
    /// ``isPlainName(_:)``, also accepting `${{run.output_dir}}/NAME` with a plain NAME: it stays inside the
    /// run's output directory whatever the inputs.
    public static func isOutputName(_ value: JSONValue?) -> Bool {
        if let s = value?.stringValue, let rest = OutputTarget.stripRunOutputDir(s) {
            return !rest.isEmpty && isPlainName(.string(rest))
        }
        return isPlainName(value)
    }

    /// True only for `${{run.output_dir}}/NAME` with a plain NAME (a repo-relative path param that stays
    /// inside the run's output directory).
    public static func isRunOutputPath(_ value: JSONValue?) -> Bool {
        guard let s = value?.stringValue, let rest = OutputTarget.stripRunOutputDir(s) else { return false }
        return !rest.isEmpty && isPlainName(.string(rest))
    }
}
