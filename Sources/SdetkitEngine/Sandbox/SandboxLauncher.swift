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

    /// The small launcher's file name, installed beside sdetkit (the `sdetkit-sandbox` product).
    public static let smallLauncherName = "sdetkit-sandbox"

    /// The executable that launches sandboxed commands: `sdetkit-sandbox` beside this program (a small C
    /// program that starts in about a millisecond), else this program when it is sdetkit (whatever it is
    /// named; several milliseconds per command), else (test bundles, embedders) an `sdetkit` beside it. Nil
    /// when there is none. "Beside" is next to the resolved executable, so a link to sdetkit finds the
    /// launcher installed with it.
    public static func executable() -> String? {
        guard let exe = FileSystem.realPath("/proc/self/exe") else { return nil }
        let dir = Path.dirname(exe)
        let small = dir + "/" + smallLauncherName
        if FileSystem.isRegularFile(small), access(small, X_OK) == 0 { return small }
        if hostsLauncher.load(ordering: .relaxed) || Path.basename(exe) == "sdetkit" { return exe }
        let sibling = dir + "/sdetkit"
        return FileSystem.isRegularFile(sibling) ? sibling : nil
    }

    /// Runs the launcher on this process's arguments; never returns.
    public static func main() -> Never {
        sdk_sandbox_exec_main(CommandLine.argc, CommandLine.unsafeArgv)
    }
}
