import SdetkitCore
import SdetkitEngine

/// `artifacts.bundle {source_dir?, output?}`: the Python sdetkit's bundle of a run's outputs, on the same
/// reproducible tar code as `bundle.tar`. Every regular file below `source_dir` (default: the run's output
/// directory), named relative to it, plus `MANIFEST.sha256`; the archive itself and the previous run's
/// `run-record.json` are left out. `output` defaults to `bundle.tar` in the output directory.
public struct ArtifactsBundleAction: AgentAction {
    public let name = "artifacts.bundle"
    public let summary = "Bundle a directory (default: the run's output dir) into a reproducible tar with a MANIFEST.sha256."
    public init() {}

    public func run(_ params: JSONValue, in context: ActionContext) async -> ActionResult {
        let outDir = context.outputDir ?? StateLayout.relWorkdir
        let source: String
        switch text(params, "source_dir") {
        case .success(let s): source = (s ?? outDir).isEmpty ? outDir : (s ?? outDir)
        case .failure(let e): return .failed(name, params, e.reason)
        }
        let target: String
        switch text(params, "output") {
        case .failure(let e): return .failed(name, params, e.reason)
        case .success(let o):
            switch ActionSupport.outputPath(o ?? "bundle.tar", param: "output", in: context, action: name) {
            case .success(let t): target = t
            case .failure(let e): return .failed(name, params, e.reason)
            }
        }
        let decision = context.policy.checkRead(path: source, action: name)
        guard decision.allowed, let rel = decision.resolvedRelativePath else {
            return .denied(name, params, decision.reason, approval: decision.approval)
        }
        guard FileSystem.isDirectory(context.layout.absolute(rel)), !FileSystem.isSymlink(context.layout.absolute(rel)) else {
            return .failed(name, params, "\(name): param 'source_dir' must be a directory inside the repository, got '\(source)'")
        }
        let skipped: Set<String> = [target, Path.join(rel, "run-record.json"), Path.join(rel, "MANIFEST.sha256")]
        let files = BundleTarAction.walk(rel, in: context).filter { !skipped.contains($0) }.sorted()
        if context.dryRun { return .succeeded(name, params, "dry run: would bundle \(files.count) file(s) into \(target)") }
        var entries: [TarEntry] = []
        var manifest = ""
        var total = 0
        for file in files {
            guard let bytes = ActionSupport.readInside(file, in: context, limit: BundleTarAction.maxBytes) else {
                return .failed(name, params, "\(name): cannot read '\(file)' (not a regular file inside the repository, or over 512 MiB)")
            }
            total += bytes.count
            if total > BundleTarAction.maxBytes { return .failed(name, params, "\(name): the bundle would exceed 512 MiB") }
            let inside = rel.isEmpty || rel == "." ? file : String(file.dropFirst(rel.count + 1))
            entries.append(TarEntry(name: inside, bytes: bytes))
            manifest += "\(Digest.sha256Hex(bytes))  \(inside)\n"
        }
        entries.append(TarEntry(name: "MANIFEST.sha256", bytes: Array(manifest.utf8)))
        let archive: [UInt8]
        do { archive = try Tar.archive(entries, mtime: context.clock.fixedEpoch ?? 0) } catch {
            return .failed(name, params, "\(name): \(error.message)")
        }
        let written = PolicedFiles.write(archive, to: target, name: "bundle", action: name, in: context)
        return PolicedFiles.result(written, action: name, params: params,
                                   outputs: ["files": .int(files.count), "bytes": .int(archive.count), "output": .string(target)])
    }

    func text(_ params: JSONValue, _ key: String) -> Result<String?, ParamError> {
        guard let v = params[key], !v.isNull else { return .success(nil) }
        guard let s = v.stringValue else { return .failure(ParamError("\(name): param '\(key)' must be a string, got \(v.typeName)")) }
        return .success(s)
    }
}
