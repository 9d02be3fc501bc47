#if canImport(Glibc)
import Glibc
#endif
import CLandlock
import SdetkitConfig
import SdetkitCore

/// How one command will be confined: the directories and files it may write, whether TCP is refused, and the
/// private temp directory it gets. Built from the config for each command (``plan(_:repoRoot:)``); the
/// confinement itself is applied by the sandbox launcher (``SandboxLauncher``) in the child, before `exec`.
public struct CommandSandbox: Sendable, Equatable {
    public var writeDirectories: [String]
    public var writeFiles: [String]
    public var denyNetwork: Bool
    public var tempDirectory: String
    /// The sdetkit executable that applies the sandbox and then execs the command.
    public var launcher: String

    /// Why a command cannot run under the configured sandbox.
    public struct Unavailable: Error, Sendable, Equatable { public let reason: String }

    /// The kernel's Landlock ABI version, or nil (with the reason) where Landlock is absent or disabled.
    public static func landlockABI() -> (abi: Int?, why: String) {
        let v = sdk_landlock_abi()
        if v >= 1 { return (Int(v), "Landlock ABI \(v)") }
        let why = v == -ENOSYS ? "this kernel has no Landlock (CONFIG_SECURITY_LANDLOCK)"
            : v == -EOPNOTSUPP ? "Landlock is disabled at boot (add landlock to the lsm= kernel parameter)"
            : "Landlock is unavailable (\(FileSystem.describe(errno: -v)))"
        return (nil, why)
    }

    /// The sandbox for a command of this repository, nil with `sandbox: off`, or why commands cannot run.
    public static func plan(_ safety: AgentConfig.Safety, repoRoot: String) -> Result<CommandSandbox?, Unavailable> {
        guard safety.sandbox == .landlock else { return .success(nil) }
        guard landlockABI().abi != nil else {
            return .failure(Unavailable(reason: "commands are refused: \(landlockABI().why), so the sandbox (safety.sandbox: landlock) "
                                        + "cannot confine them; set safety.sandbox: off in .sdetkit/agent/config.yaml to run them unconfined"))
        }
        guard let launcher = SandboxLauncher.executable() else {
            return .failure(Unavailable(reason: "commands are refused: the sandbox launcher (the sdetkit executable) was not found "
                                        + "beside this program; run through the sdetkit binary"))
        }
        var template = Array("/tmp/sdetkit-cmd-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            return .failure(Unavailable(reason: "commands are refused: cannot create a private temp directory in /tmp (\(FileSystem.describe(errno: errno)))"))
        }
        let temp = String(cString: made)
        return .success(CommandSandbox(writeDirectories: writableDirectories(safety.writeAllowlist, repoRoot: repoRoot) + [temp],
                                       writeFiles: ["/dev/null"], denyNetwork: !safety.shellNetwork, tempDirectory: temp,
                                       launcher: launcher))
    }

    /// The allowlisted directories that exist, resolved, inside the repository and outside `.git/` and
    /// `.sdetkit/` (which stay read-only for commands even where an entry covers them).
    package static func writableDirectories(_ allowlist: [String], repoRoot: String) -> [String] {
        let protected = [repoRoot + "/.git", repoRoot + "/" + StateLayout.relState]
        var out: [String] = []
        for entry in allowlist {
            guard let real = FileSystem.realPath(repoRoot + "/" + entry), FileSystem.isDirectory(real),
                  Path.isInside(real, repoRoot), real != repoRoot,
                  !protected.contains(where: { Path.isInside(real, $0) || Path.isInside($0, real) }) else { continue }
            if !out.contains(real) { out.append(real) }
        }
        return out
    }

    /// The launcher's argv: `sdetkit __sandbox-exec --write D… --write-file F… --network off|on -- PROGRAM ARGS…`.
    public func launcherArguments(program: String, arguments: [String]) -> [String] {
        var out = [SandboxLauncher.verb]
        for d in writeDirectories { out += ["--write", d] }
        for f in writeFiles { out += ["--write-file", f] }
        out += ["--network", denyNetwork ? "off" : "on", "--", program]
        return out + arguments
    }

    /// Environment additions: the private temp directory as TMPDIR (and caches there).
    public var environment: [String: String] {
        ["TMPDIR": tempDirectory, "TMP": tempDirectory, "TEMP": tempDirectory, "XDG_CACHE_HOME": tempDirectory + "/cache"]
    }

    /// Removes the private temp directory and what the command left in it.
    public func cleanUp() { FileSystem.removeTree(tempDirectory) }
}
