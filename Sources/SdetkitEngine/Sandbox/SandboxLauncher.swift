#if canImport(Glibc)
import Glibc
#endif
import CLandlock
import SdetkitCore
import Synchronization

/// The sandbox launcher: `sdetkit __sandbox-exec --write DIR… --write-file FILE… --network off|on -- PROGRAM ARGS…`
/// restricts itself with Landlock and then execs PROGRAM (same process, so timeouts and signals reach the
/// command). swift-subprocess has no hook that runs in the child before `exec`, and a Landlock domain can
/// only be entered by the process itself, so sdetkit re-executes itself as that child. The launcher is C
/// (CLandlock's `sdk_sandbox_exec_main`) and runs from an ELF constructor, before the Swift runtime starts;
/// ``main()`` is the fallback where constructors do not run. Not a user command.
public enum SandboxLauncher {
    public static let verb = "__sandbox-exec"

    private static let hostsLauncher = Atomic<Bool>(false)

    /// Called by the sdetkit executable at start-up: this program (whatever its file name) is the launcher.
    public static func thisProgramLaunches() { hostsLauncher.store(true, ordering: .relaxed) }

    /// The executable that can launch sandboxed commands: this program when it is sdetkit (whatever it is
    /// named), else (test bundles, embedders) an `sdetkit` beside it. Nil when there is none.
    public static func executable() -> String? {
        guard let exe = FileSystem.realPath("/proc/self/exe") else { return nil }
        if hostsLauncher.load(ordering: .relaxed) || Path.basename(exe) == "sdetkit" { return exe }
        let sibling = Path.dirname(exe) + "/sdetkit"
        return FileSystem.isRegularFile(sibling) ? sibling : nil
    }

    /// Runs the launcher on this process's arguments; never returns.
    public static func main() -> Never {
        sdk_sandbox_exec_main(CommandLine.argc, CommandLine.unsafeArgv)
    }
}
