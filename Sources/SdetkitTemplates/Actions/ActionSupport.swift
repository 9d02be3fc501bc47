#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SdetkitCore
import SdetkitEngine
import SdetkitGit

/// Helpers shared by the template pack's actions: params, tracked files, reports in the output directory.
enum ActionSupport {
    /// `key` as a bool: true/false, or the texts true/false/yes/no/1/0 (interpolated values are text).
    static func flag(_ params: JSONValue, _ key: String, default d: Bool, action: String) -> Result<Bool, ParamError> {
        guard let v = params[key], !v.isNull else { return .success(d) }
        if let b = v.boolValue { return .success(b) }
        if let s = v.stringValue {
            switch s.trimmedSpaces.lowercased() {
            case "": return .success(d)
            case "true", "yes", "1", "on": return .success(true)
            case "false", "no", "0", "off": return .success(false)
            default: break
            }
        }
        return .failure(ParamError("\(action): param '\(key)' must be true or false, got \(describe(v))"))
    }

    /// `key` as a whole number ≥ `min` (a number or numeric text).
    static func integer(_ params: JSONValue, _ key: String, default d: Int, min: Int, action: String) -> Result<Int, ParamError> {
        guard let v = params[key], !v.isNull else { return .success(d) }
        var n: Double?
        if let x = v.doubleValue { n = x } else if let s = v.stringValue?.trimmedSpaces, YAMLTree.isNumber(s) { n = Double(s) }
        guard let n, n.rounded() == n, n >= Double(min), n < 9e15 else {
            return .failure(ParamError("\(action): param '\(key)' must be a whole number ≥ \(min), got \(describe(v))"))
        }
        return .success(Int(n))
    }

    /// `key` as a list of strings: a list, or text split at commas and whitespace.
    static func strings(_ params: JSONValue, _ key: String, action: String) -> Result<[String]?, ParamError> {
        guard let v = params[key], !v.isNull else { return .success(nil) }
        if let s = v.stringValue {
            return .success(s.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\n" || $0 == "\t" }).map(String.init))
        }
        if let a = v.arrayValue, a.allSatisfy({ $0.stringValue != nil }) { return .success(a.compactMap(\.stringValue)) }
        return .failure(ParamError("\(action): param '\(key)' must be a list of strings, got \(describe(v))"))
    }

    static func describe(_ v: JSONValue) -> String {
        if let s = v.stringValue { return "'\(s)'" }
        return v.typeName
    }

    /// Where a report named `name` goes: the run's output directory (or the workdir outside templates).
    static func outputPath(_ name: String, param: String, in context: ActionContext, action: String) -> Result<String, ParamError> {
        OutputTarget.path(name, param: param, outputDir: context.outputDir, action: action)
    }

    /// Writes each report through ``PolicedFiles``; stops at the first denial or failure.
    static func writeReports(_ reports: [(name: String, artifact: String, bytes: [UInt8])], action: String, params: JSONValue,
                             in context: ActionContext) -> Result<(artifacts: [Artifact], paths: [String], approval: ApprovalState), Refusal> {
        var artifacts: [Artifact] = []
        var paths: [String] = []
        var approval = ApprovalState.notRequired
        for r in reports {
            let path: String
            switch outputPath(r.name, param: "output", in: context, action: action) {
            case .success(let p): path = p
            case .failure(let e): return .failure(Refusal(.failed(action, params, e.reason)))
            }
            switch PolicedFiles.write(r.bytes, to: path, name: r.artifact, action: action, in: context) {
            case .written(let art, let a):
                artifacts.append(art)
                paths.append(art.path)
                if a != .notRequired { approval = a }
            case .wouldWrite(let rel, let a):
                paths.append(rel)
                if a != .notRequired { approval = a }
            case .denied(let why, let a): return .failure(Refusal(.denied(action, params, why, approval: a)))
            case .failed(let why, let a): return .failure(Refusal(.failed(action, params, why, approval: a)))
            }
        }
        return .success((artifacts, paths, approval))
    }

    /// Tracked files of the repository (from the git index), without symlinks, submodules and sdetkit's state.
    /// The repository's tracked paths for an action that reads across the tree: policy read check on the
    /// repository root, then the index. The failure is the action's ready-made denied or failed result.
    static func trackedPaths(action: String, params: JSONValue, in context: ActionContext) -> Result<[String], ActionFailure> {
        let decision = context.policy.checkRead(path: ".", action: action)
        guard decision.allowed else {
            return .failure(ActionFailure(result: .denied(action, params, decision.reason, approval: decision.approval)))
        }
        switch trackedFiles(context) {
        case .success(let files): return .success(files.map(\.path))
        case .failure(let e): return .failure(ActionFailure(result: .failed(action, params, "\(action): \(e.reason)")))
        }
    }

    static func trackedFiles(_ context: ActionContext) -> Result<[TrackedFile], ParamError> {
        do {
            let repo = try GitRepository.open(workdir: context.repoRoot)
            return .success(try repo.trackedFiles().filter {
                !$0.isSymlink && !$0.isSubmodule && !Path.isInside($0.path, StateLayout.relState)
            })
        } catch {
            return .failure(ParamError(error.message))
        }
    }

    /// Reads a repo-relative file after checking it is a regular file that resolves inside the repository
    /// (the policy engine's read rule: inside the repository, never `.git`). nil when it cannot be read.
    static func readInside(_ rel: String, in context: ActionContext, limit: Int = 16 << 20) -> [UInt8]? {
        let abs = context.layout.absolute(rel)
        guard !PathRulesLite.touchesGit(rel), FileSystem.isRegularFile(abs), !FileSystem.isSymlink(abs),
              let real = FileSystem.realPath(abs), Path.relative(real, to: context.policy.repoRoot) != nil,
              let size = FileSystem.fileSize(abs), size <= Int64(limit) else { return nil }
        return try? FileSystem.readBytes(abs)
    }

    /// Up to `maxBytes` leading bytes of a tracked file, read only when it is a regular file reached without a
    /// final symbolic link, inside the repository (checked on the opened file, so a symlinked parent directory
    /// cannot lead out) and outside `.git`. nil otherwise. FIFOs and devices are never waited on.
    static func readPrefixInside(_ rel: String, in context: ActionContext, maxBytes: Int) -> [UInt8]? {
        guard !PathRulesLite.touchesGit(rel) else { return nil }
        let abs = context.layout.absolute(rel)
        let fd = open(abs, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG,
              let real = FileSystem.descriptorPath(fd) ?? FileSystem.realPath(abs),
              Path.relative(real, to: context.policy.repoRoot) != nil else { return nil }
        let want = min(maxBytes, Int(st.st_size))
        var out = [UInt8](repeating: 0, count: want)
        var got = 0
        while got < want {
            let n = out.withUnsafeMutableBytes { read(fd, $0.baseAddress! + got, want - got) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            got += n
        }
        out.removeLast(want - got)
        return out
    }

    /// A Markdown table cell: line breaks become spaces, `|` is escaped (byte-wise: one pass, no bridging).
    static func cell(_ s: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count)
        for b in s.utf8 {
            switch b {
            case 0x0A, 0x0D: out.append(0x20)
            case UInt8(ascii: "|"): out.append(UInt8(ascii: "\\")); out.append(b)
            default: out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func pretty(_ v: JSONValue) -> [UInt8] { Array(v.prettyPrinted().utf8) }
}

/// A finished (failed or denied) action result carried through `Result`.
struct Refusal: Error {
    let result: ActionResult
    init(_ result: ActionResult) { self.result = result }
}

enum PathRulesLite {
    /// Whether a component of `rel` is `.git` in any ASCII case (compared as bytes).
    static func touchesGit(_ rel: String) -> Bool {
        rel.utf8.split(separator: UInt8(ascii: "/")).contains { component in
            component.count == 4 && zip(component, ".git".utf8).allSatisfy { a, b in
                (a >= UInt8(ascii: "A") && a <= UInt8(ascii: "Z") ? a | 0x20 : a) == b
            }
        }
    }
}

extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        guard !target.isEmpty, self.contains(target) else { return self }
        var out = ""
        var rest = Substring(self)
        while let r = rest.range(of: target) {
            out += rest[..<r.lowerBound]
            out += replacement
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}

/// An action result carried through `Result`'s failure channel.
struct ActionFailure: Error {
    let result: ActionResult
}
