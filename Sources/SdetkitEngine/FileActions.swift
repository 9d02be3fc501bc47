import SdetkitCore
import SdetkitPolicy

/// `fs.read {"path"}`: reads a file inside the repository; records its digest and size, never its content.
public struct FileReadAction: AgentAction {
    public let name = "fs.read"
    public let summary = "Read a repository file (records its SHA-256 and size, not its content)."
    public init() {}

    public func run(_ params: JSONValue, in context: ActionContext) async -> ActionResult {
        let path: String
        switch Params.requireString(params, "path", action: name) {
        case .success(let p): path = p
        case .failure(let e): return .failed(name, params, e.reason)
        }
        let decision = context.policy.checkRead(path: path, action: name)
        guard decision.allowed, let rel = decision.resolvedRelativePath else {
            return .denied(name, params, decision.reason, approval: decision.approval)
        }
        if context.dryRun { return .succeeded(name, params, "dry run: would read \(rel)") }
        let abs = context.layout.absolute(rel)
        guard FileSystem.isRegularFile(abs) else { return .failed(name, params, "\(rel): no such file") }
        do {
            let bytes = try FileSystem.readBytes(abs)
            let sha = Digest.sha256Hex(bytes)
            return .succeeded(name, params, "read \(rel)",
                              result: ["path": .string(rel), "sha256": .string(sha), "bytes": .int(bytes.count)],
                              outputs: ["path": .string(rel), "sha256": .string(sha), "bytes": .int(bytes.count),
                                        "content": .string(String(decoding: bytes.prefix(1 << 20), as: UTF8.self))])
        } catch let e as UserFacingError {
            return .failed(name, params, e.message)
        } catch {
            return .failed(name, params, "\(error)")
        }
    }
}

/// `fs.write {"path", "content"}`: writes a file through the write allowlist and approval gate.
public struct FileWriteAction: AgentAction {
    public let name = "fs.write"
    public let summary = "Write a file inside an allowlisted directory (approval needed outside the workdir)."
    public init() {}

    /// Confined when the path is `${{run.output_dir}}/NAME`: a template step writing one named file into
    /// its own run's output directory.
    public func isolation(_ params: JSONValue) -> ActionIsolation {
        ActionIsolation.isRunOutputPath(params["path"]) ? .confined : .shared
    }

    /// `content` recorded as `content_sha256` and `content_bytes` (``ContentDigests``).
    public func recordedParams(_ params: JSONValue) -> JSONValue { ContentDigests.redact(params) }

    public func run(_ params: JSONValue, in context: ActionContext) async -> ActionResult {
        let recorded = recordedParams(params)
        let path: String
        let content: String
        switch Params.requireString(params, "path", action: name) {
        case .success(let p): path = p
        case .failure(let e): return .failed(name, recorded, e.reason)
        }
        switch Params.requireString(params, "content", action: name) {
        case .success(let c): content = c
        case .failure(let e): return .failed(name, recorded, e.reason)
        }
        let outcome = PolicedFiles.write(Array(content.utf8), to: path, name: Path.basename(path), action: name, in: context)
        return PolicedFiles.result(outcome, action: name, params: recorded)
    }
}

/// `fs.list {"path"}`: lists a directory inside the repository (names sorted; directories end in `/`).
public struct FileListAction: AgentAction {
    public let name = "fs.list"
    public let summary = "List a directory inside the repository."
    public init() {}

    public func run(_ params: JSONValue, in context: ActionContext) async -> ActionResult {
        let path = params["path"]?.stringValue ?? "."
        let decision = context.policy.checkRead(path: path, action: name)
        guard decision.allowed, let rel = decision.resolvedRelativePath else {
            return .denied(name, params, decision.reason, approval: decision.approval)
        }
        let abs = context.layout.absolute(rel)
        guard FileSystem.isDirectory(abs) else { return .failed(name, params, "\(rel.isEmpty ? "." : rel): not a directory") }
        let names = FileSystem.list(abs).filter { $0 != ".git" }.sorted().map {
            FileSystem.isDirectory(abs + "/" + $0) && !FileSystem.isSymlink(abs + "/" + $0) ? $0 + "/" : $0
        }
        let entries = JSONValue.array(names.map { .string($0) })
        return .succeeded(name, params, "listed \(names.count) entries",
                          result: ["path": .string(rel.isEmpty ? "." : rel), "entries": entries],
                          outputs: ["entries": entries, "count": .int(names.count)])
    }
}
