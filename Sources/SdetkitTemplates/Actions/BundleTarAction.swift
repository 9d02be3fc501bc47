import SdetkitCore
import SdetkitEngine

/// `bundle.tar {paths: [...], output: "bundle.tar"}`: a reproducible ustar archive of repository files (a
/// directory adds the regular files below it) plus `MANIFEST.sha256`, written into the output directory.
/// Entries are sorted, owned by uid/gid 0 with empty names, mode 0644, mtime SOURCE_DATE_EPOCH (else 0).
public struct BundleTarAction: AgentAction {
    public let name = "bundle.tar"
    public let summary = "Bundle repository files into a reproducible tar with a MANIFEST.sha256 (in the run's output dir)."
    public init() {}

    static let maxBytes = 512 << 20

    public func run(_ params: JSONValue, in context: ActionContext) async -> ActionResult {
        let paths: [String]
        switch ActionSupport.strings(params, "paths", action: name) {
        case .success(let p?) where !p.isEmpty: paths = p
        case .success: return .failed(name, params, "\(name): param 'paths' must list at least one file or directory")
        case .failure(let e): return .failed(name, params, e.reason)
        }
        let output = params["output"]?.stringValue ?? "bundle.tar"
        let target: String
        switch ActionSupport.outputPath(output, param: "output", in: context, action: name) {
        case .success(let t): target = t
        case .failure(let e): return .failed(name, params, e.reason)
        }
        var files = Set<String>()
        for p in paths {
            let decision = context.policy.checkRead(path: p, action: name)
            guard decision.allowed, let rel = decision.resolvedRelativePath else {
                return .denied(name, params, decision.reason, approval: decision.approval)
            }
            let abs = context.layout.absolute(rel)
            if FileSystem.isDirectory(abs) {
                files.formUnion(Self.walk(rel, in: context))
            } else if FileSystem.isRegularFile(abs) {
                files.insert(rel)
            } else {
                return .failed(name, params, "\(name): '\(p)' does not exist (resolved to '\(rel)')")
            }
        }
        files.remove(target)
        if context.dryRun { return .succeeded(name, params, "dry run: would bundle \(files.count) file(s) into \(target)") }
        var entries: [TarEntry] = []
        var manifest: [String] = []
        var total = 0
        for rel in files.sorted() {
            guard let bytes = ActionSupport.readInside(rel, in: context, limit: Self.maxBytes) else {
                return .failed(name, params, "\(name): cannot read '\(rel)' (not a regular file inside the repository, or over 512 MiB)")
            }
            total += bytes.count
            if total > Self.maxBytes { return .failed(name, params, "\(name): the bundle would exceed 512 MiB; choose fewer paths") }
            entries.append(TarEntry(name: rel, bytes: bytes))
            manifest.append("\(Digest.sha256Hex(bytes))  \(rel)\n")
        }
        entries.append(TarEntry(name: "MANIFEST.sha256", bytes: Array(manifest.joined().utf8)))
        let archive: [UInt8]
        do { archive = try Tar.archive(entries, mtime: context.clock.fixedEpoch ?? 0) } catch {
            return .failed(name, params, "\(name): \(error.message)")
        }
        let written = PolicedFiles.write(archive, to: target, name: "bundle", action: name, in: context)
        return PolicedFiles.result(written, action: name, params: params,
                                   outputs: ["files": .int(files.count), "bytes": .int(archive.count)])
    }

    /// Regular files below a directory (not symlinks, not `.git`), repo-relative.
    static func walk(_ rel: String, in context: ActionContext) -> [String] {
        var out: [String] = []
        var stack = [rel]
        while let dir = stack.popLast() {
            let abs = context.layout.absolute(dir)
            for entry in FileSystem.list(abs) where entry != ".git" {
                let child = dir.isEmpty ? entry : dir + "/" + entry
                let childAbs = abs + "/" + entry
                if FileSystem.isSymlink(childAbs) { continue }
                if FileSystem.isDirectory(childAbs) { stack.append(child) } else if FileSystem.isRegularFile(childAbs) { out.append(child) }
            }
        }
        return out
    }
}
