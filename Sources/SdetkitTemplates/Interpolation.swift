import SdetkitCore

/// What a `${{ … }}` expression refers to.
public enum TemplateReference: Sendable, Hashable {
    /// `inputs.NAME`
    case input(String)
    /// `run.output_dir`: the run's repo-relative output directory.
    case outputDir
    /// `steps.ID.outputs.KEY[.SUBKEY…]`
    case stepOutput(step: String, path: [String])
}

/// Textual `${{ … }}` interpolation into strings. One pass: text that a substitution brings in (for example
/// a `--set` value containing `${{`) is never interpolated again.
public enum Interpolation {
    enum Segment: Sendable, Hashable {
        case text(String)
        case reference(TemplateReference, raw: String)
    }

    /// True when `s` contains an interpolation opener.
    static func mentions(_ s: String) -> Bool { s.contains("${{") }

    /// Splits `s` into literal text and references; the error is a message for the user.
    static func segments(_ s: String) -> Result<[Segment], InterpolationProblem> {
        var out: [Segment] = []
        var rest = Substring(s)
        while let open = rest.range(of: "${{") {
            if open.lowerBound > rest.startIndex { out.append(.text(String(rest[..<open.lowerBound]))) }
            let afterOpen = rest[open.upperBound...]
            guard let close = afterOpen.range(of: "}}") else {
                return .failure(InterpolationProblem("unclosed '${{' (missing '}}'); write ${{ inputs.NAME }}"))
            }
            let inner = String(afterOpen[..<close.lowerBound])
            switch parseReference(inner) {
            case .success(let ref): out.append(.reference(ref, raw: inner.trimmedSpaces))
            case .failure(let e): return .failure(e)
            }
            rest = afterOpen[close.upperBound...]
        }
        if !rest.isEmpty { out.append(.text(String(rest))) }
        return .success(out)
    }

    /// The references in `s`, or the first syntax problem.
    public static func references(in s: String) -> Result<[TemplateReference], InterpolationProblem> {
        segments(s).map { segs in
            segs.compactMap { if case .reference(let r, _) = $0 { return r } else { return nil } }
        }
    }

    static func parseReference(_ inner: String) -> Result<TemplateReference, InterpolationProblem> {
        let expr = inner.trimmedSpaces
        if expr.isEmpty { return .failure(InterpolationProblem("empty '${{ }}'; write ${{ inputs.NAME }}")) }
        let parts = expr.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.allSatisfy({ !$0.isEmpty && $0.utf8.allSatisfy(isNameByte) }) else {
            return .failure(InterpolationProblem("'\(expr)' is not a name: use inputs.NAME, run.output_dir or steps.ID.outputs.KEY (no spaces, quotes or operators)"))
        }
        switch parts[0] {
        case "inputs":
            guard parts.count == 2 else { return .failure(InterpolationProblem("'\(expr)': write inputs.NAME")) }
            return .success(.input(parts[1]))
        case "run":
            guard parts.count == 2, parts[1] == "output_dir" else {
                return .failure(InterpolationProblem("unknown name '\(expr)': the only run value is run.output_dir"))
            }
            return .success(.outputDir)
        case "steps":
            guard parts.count >= 4, parts[2] == "outputs" else {
                return .failure(InterpolationProblem("'\(expr)': write steps.ID.outputs.KEY"))
            }
            return .success(.stepOutput(step: parts[1], path: Array(parts[3...])))
        default:
            return .failure(InterpolationProblem("unknown name '\(expr)': use inputs.NAME, run.output_dir or steps.ID.outputs.KEY"))
        }
    }

    static func isNameByte(_ b: UInt8) -> Bool {
        (0x30...0x39).contains(b) || (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b) || b == 0x5F || b == 0x2D
    }

    /// Renders `s` in `scope`. Values become text: strings as they are, numbers in shortest form
    /// (`3`, `0.5`), booleans `true`/`false`, null as empty text, lists and mappings as canonical JSON.
    public static func render(_ s: String, in scope: InterpolationScope) -> Result<String, InterpolationProblem> {
        guard mentions(s) else { return .success(s) }
        let segs: [Segment]
        switch segments(s) {
        case .success(let x): segs = x
        case .failure(let e): return .failure(e)
        }
        var out = ""
        for seg in segs {
            switch seg {
            case .text(let t): out += t
            case .reference(let ref, let raw):
                switch scope.value(of: ref, raw: raw) {
                case .success(let v): out += text(v)
                case .failure(let e): return .failure(e)
                }
            }
        }
        return .success(out)
    }

    /// The text a value interpolates as.
    public static func text(_ v: JSONValue) -> String {
        switch v {
        case .null: return ""
        case .string(let s): return s
        case .bool(let b): return b ? "true" : "false"
        case .number(let n): return CanonicalJSON.formatNumber(n)
        case .array, .object: return CanonicalJSON.string(v)
        }
    }

    /// Falsy texts for `when`: empty, `false` (any case) and `0`.
    public static func isFalsy(_ text: String) -> Bool {
        let t = text.trimmedSpaces
        return t.isEmpty || t.lowercased() == "false" || t == "0"
    }
}

public struct InterpolationProblem: Error, Sendable, Hashable {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
}

/// What `${{ … }}` can see while a template runs.
public struct InterpolationScope: Sendable {
    public var inputs: [String: JSONValue]
    public var outputDir: String
    /// Outputs of steps that ran (successfully or not).
    public var stepOutputs: [String: [String: JSONValue]] = [:]
    /// Steps that failed (with `continue_on_error`): their missing outputs render as empty text.
    public var failedSteps: Set<String> = []
    /// When true, a missing step output renders as empty text instead of failing (template `outputs`).
    public var lenient = false

    public init(inputs: [String: JSONValue], outputDir: String) {
        self.inputs = inputs
        self.outputDir = outputDir
    }

    func value(of ref: TemplateReference, raw: String) -> Result<JSONValue, InterpolationProblem> {
        switch ref {
        case .input(let name):
            return .success(inputs[name] ?? .null)
        case .outputDir:
            return .success(.string(outputDir))
        case .stepOutput(let step, let path):
            // A step that was skipped or never ran has no outputs: its references render as empty text.
            guard let outputs = stepOutputs[step] else { return .success(.null) }
            let lenient = self.lenient || failedSteps.contains(step)
            var current: JSONValue? = outputs[path[0]].map { $0 }
            if current == nil {
                if lenient { return .success(.null) }
                let have = outputs.keys.sorted().joined(separator: ", ")
                return .failure(InterpolationProblem("${{ \(raw) }}: step '\(step)' has no output '\(path[0])' (it has: \(have.isEmpty ? "none" : have))"))
            }
            for key in path.dropFirst() {
                if let o = current?.objectValue { current = o[key] } else if let a = current?.arrayValue, let i = Int(key), a.indices.contains(i) {
                    current = a[i]
                } else {
                    current = nil
                }
                if current == nil {
                    if lenient { return .success(.null) }
                    return .failure(InterpolationProblem("${{ \(raw) }}: output of step '\(step)' has no '\(key)'"))
                }
            }
            return .success(current ?? .null)
        }
    }
}

extension String {
    var trimmedSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\n" || f == "\r" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\n" || l == "\r" { s.removeLast() }
        return String(s)
    }
}
