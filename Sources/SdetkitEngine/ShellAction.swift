#if canImport(Glibc)
import Glibc
#endif
import SdetkitCore
import SdetkitPolicy
import Subprocess
import SystemPackage
import Synchronization

/// `shell.run {"cmd": "git status"}` or `{"argv": ["git", "status"]}`: runs an allowlisted command
/// without a shell, in its own process group, with a timeout and capped output capture.
public struct ShellRunAction: AgentAction {
    public let name = "shell.run"
    public let summary = "Run an allowlisted command (argv prefix match, never through a shell; always needs approval)."
    public init() {}

    public func run(_ params: JSONValue, in context: ActionContext) async -> ActionResult {
        let cmd = params["cmd"]?.stringValue
        var argv: [String]?
        if let list = params["argv"] {
            guard let items = list.arrayValue, items.allSatisfy({ $0.stringValue != nil }) else {
                return .failed(name, params, "shell.run: 'argv' must be a list of strings")
            }
            argv = items.compactMap(\.stringValue)
        }
        if params["cmd"] != nil && cmd == nil { return .failed(name, params, "shell.run: 'cmd' must be a string") }
        let decision = context.policy.checkCommand(cmd: cmd, argv: argv, action: name)
        guard decision.allowed else { return .denied(name, params, decision.reason, approval: decision.approval) }
        if context.dryRun {
            return .succeeded(name, params, "dry run: would run \(decision.argv.joined(separator: " "))", approval: decision.approval)
        }
        let sandbox: CommandSandbox?
        switch CommandSandbox.plan(context.config.safety, repoRoot: context.repoRoot) {
        case .success(let s): sandbox = s
        case .failure(let e): return .denied(name, params, e.reason, approval: decision.approval)
        }
        let run = await CommandRunner.run(argv: decision.argv, cwd: context.repoRoot,
                                          timeoutSeconds: context.config.safety.shellTimeoutSeconds,
                                          maxOutputBytes: context.config.safety.maxOutputBytes, sandbox: sandbox)
        context.workTree.noteCommand()  // a command may change anything: the next status is taken afresh
        var result: [String: JSONValue] = [
            "argv": .array(decision.argv.map { .string($0) }),
            "stdout": .string(run.stdout.text), "stdout_bytes": .int(run.stdout.total),
            "stdout_sha256": .string(run.stdout.sha256), "stdout_truncated": .bool(run.stdout.truncated),
            "stderr": .string(run.stderr.text), "stderr_bytes": .int(run.stderr.total),
            "stderr_sha256": .string(run.stderr.sha256), "stderr_truncated": .bool(run.stderr.truncated),
            "timed_out": .bool(run.timedOut),
        ]
        result["exit_code"] = run.exitCode.map { .int(Int($0)) } ?? .null
        result["signal"] = run.signal.map { .int(Int($0)) } ?? .null
        let outputs: [String: JSONValue] = ["stdout": .string(run.stdout.text), "exit_code": result["exit_code"] ?? .null]
        if let launchError = run.launchError {
            return .failed(name, params, launchError, approval: decision.approval, result: .object(result))
        }
        if run.timedOut {
            return ActionResult(outcome: ActionOutcome(action: name, params: params, ok: false, denied: false,
                reason: "timed out after \(formatSeconds(context.config.safety.shellTimeoutSeconds)) s (shell_timeout_seconds); process group killed",
                approval: decision.approval, result: .object(result)), outputs: outputs)
        }
        let ok = run.exitCode == 0
        let reason = ok ? "exit 0" : (run.exitCode.map { "exit \($0)" } ?? "killed by signal \(run.signal ?? 0)")
        return ActionResult(outcome: ActionOutcome(action: name, params: params, ok: ok, denied: false, reason: reason,
                                                   approval: decision.approval, result: .object(result)), outputs: outputs)
    }

    func formatSeconds(_ s: Double) -> String { s.rounded() == s ? String(Int(s)) : String(s) }
}

/// Captured output of one stream: the first `max` bytes, the total count and a digest of everything.
public struct CapturedStream: Sendable {
    public var text: String
    public var total: Int
    public var sha256: String
    public var truncated: Bool
}

public struct CommandRun: Sendable {
    public var exitCode: Int32?
    public var signal: Int32?
    public var timedOut: Bool
    public var stdout: CapturedStream
    public var stderr: CapturedStream
    public var launchError: String?
}

/// Runs a process through swift-subprocess: no shell, LD_*/DYLD_* stripped, own process group, timeout kills the group.
public enum CommandRunner {
    /// The child's environment: the parent's minus dynamic-loader variables; for `git`, its configuration
    /// neutralised (``GitEnvironment``); in a sandbox, its private temp directory.
    public static func childEnvironment(program: String = "", sandbox: CommandSandbox? = nil) -> [[UInt8]] {
        var env = ProcessEnv.current().filter { !$0.key.hasPrefix("LD_") && !$0.key.hasPrefix("DYLD_") }
        if GitArguments.isGit(program) { env = GitEnvironment.apply(to: env) }
        for (k, v) in sandbox?.environment ?? [:] { env[k] = v }
        // NUL-terminated: swift-subprocess passes each entry to strdup.
        return env.sorted { $0.key < $1.key }.map { Array("\($0.key)=\($0.value)".utf8) + [0] }
    }

    /// `program` as the child will exec it: a name is looked up on PATH (as `execvp` would), a path with a
    /// `/` is taken relative to `cwd`. Nil when there is no such executable.
    static func resolve(_ program: String, cwd: String) -> String? {
        if program.contains("/") {
            let abs = program.hasPrefix("/") ? program : cwd + "/" + program
            return access(abs, X_OK) == 0 && FileSystem.isRegularFile(abs) ? abs : nil
        }
        let path = ProcessEnv.current()["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":", omittingEmptySubsequences: false) {
            let d = dir.isEmpty ? cwd : (dir.hasPrefix("/") ? String(dir) : cwd + "/" + dir)
            let candidate = d + "/" + program
            if access(candidate, X_OK) == 0 && FileSystem.isRegularFile(candidate) { return candidate }
        }
        return nil
    }

    /// Runs `argv`; under `sandbox`, through the sandbox launcher (``SandboxLauncher``), which confines the
    /// process with Landlock before it execs the command. The sandbox's temp directory is removed afterwards.
    public static func run(argv: [String], cwd: String, timeoutSeconds: Double, maxOutputBytes: Int,
                           sandbox: CommandSandbox? = nil) async -> CommandRun {
        defer { sandbox?.cleanUp() }
        guard let exe = argv.first else {
            return CommandRun(exitCode: nil, signal: nil, timedOut: false, stdout: empty, stderr: empty, launchError: "empty command")
        }
        let executable: Executable
        var arguments = Array(argv.dropFirst())
        if let sandbox {
            guard let program = resolve(exe, cwd: cwd) else {
                return CommandRun(exitCode: nil, signal: nil, timedOut: false, stdout: empty, stderr: empty,
                                  launchError: "command not found: \(exe)")
            }
            executable = .path(FilePath(sandbox.launcher))
            arguments = sandbox.launcherArguments(program: program, arguments: arguments)
        } else {
            executable = .name(exe)
        }
        var options = PlatformOptions()
        options.processGroupID = 0
        let timedOut = Flag()
        do {
            let result = try await Subprocess.run(
                executable, arguments: Arguments(arguments), environment: .custom(childEnvironment(program: exe, sandbox: sandbox)),
                workingDirectory: FilePath(cwd), platformOptions: options, input: .none, output: .sequence, error: .sequence
            ) { execution -> (CapturedStream, CapturedStream) in
                let pid = execution.processIdentifier.value
                let watchdog = Task {
                    try await Task.sleep(nanoseconds: UInt64(max(0.001, timeoutSeconds) * 1_000_000_000))
                    timedOut.set()
                    kill(-pid, SIGKILL)
                    kill(pid, SIGKILL)
                }
                async let out = capture(execution.standardOutput, max: maxOutputBytes)
                async let err = capture(execution.standardError, max: maxOutputBytes)
                let pair = await (out, err)
                watchdog.cancel()
                return pair
            }
            var code: Int32?
            var sig: Int32?
            switch result.terminationStatus {
            case .exited(let c): code = c
            case .signaled(let s): sig = s
            }
            let (o, e) = result.closureResult
            return CommandRun(exitCode: code, signal: sig, timedOut: timedOut.isSet, stdout: o, stderr: e, launchError: nil)
        } catch let error as SubprocessError {
            let reason = error.code == .executableNotFound ? "command not found: \(exe)" : "could not start \(exe): \(error)"
            return CommandRun(exitCode: nil, signal: nil, timedOut: false, stdout: empty, stderr: empty, launchError: reason)
        } catch {
            return CommandRun(exitCode: nil, signal: nil, timedOut: false, stdout: empty, stderr: empty,
                              launchError: "could not run \(exe): \(error)")
        }
    }

    static let empty = CapturedStream(text: "", total: 0, sha256: Digest.sha256Hex([UInt8]()), truncated: false)

    static func capture(_ stream: SubprocessOutputSequence, max: Int) async -> CapturedStream {
        var kept: [UInt8] = []
        var total = 0
        var hasher = Digest.Hasher()
        do {
            for try await buffer in stream {
                buffer.withUnsafeBytes { raw in
                    hasher.update(raw)
                    total += raw.count
                    if kept.count < max { kept.append(contentsOf: raw.prefix(max - kept.count)) }
                }
            }
        } catch {
            // A killed process closes its pipes; whatever arrived is kept.
        }
        return CapturedStream(text: String(decoding: kept, as: UTF8.self), total: total, sha256: hasher.finalizeHex(),
                              truncated: total > kept.count)
    }
}

/// A set-once flag shared between the watchdog and the runner.
final class Flag: Sendable {
    private let state = Mutex(false)
    func set() { state.withLock { $0 = true } }
    var isSet: Bool { state.withLock { $0 } }
}
