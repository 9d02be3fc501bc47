#if canImport(Glibc)
import Glibc
#endif
import CLandlock
import SdetkitCore

/// The sandbox launcher: `sdetkit __sandbox-exec --write DIR… --write-file FILE… --network off|on -- PROGRAM ARGS…`
/// restricts itself with Landlock and then execs PROGRAM (same process, so timeouts and signals reach the
/// command). swift-subprocess has no hook that runs in the child before `exec`, and a Landlock domain can
/// only be entered by the process itself, so sdetkit re-executes itself as that child. Not a user command.
public enum SandboxLauncher {
    public static let verb = "__sandbox-exec"

    /// The executable that can launch sandboxed commands: this program when it is sdetkit, else (test
    /// bundles, embedders) an `sdetkit` beside it. Nil when there is none.
    public static func executable() -> String? {
        guard let exe = FileSystem.realPath("/proc/self/exe") else { return nil }
        if Path.basename(exe) == "sdetkit" { return exe }
        let sibling = Path.dirname(exe) + "/sdetkit"
        return FileSystem.isRegularFile(sibling) ? sibling : nil
    }

    /// Runs the launcher (`arguments` after the verb) and never returns: execs the program or exits 126
    /// with one line on stderr.
    public static func main(_ arguments: [String]) -> Never {
        var dirs: [String] = [], files: [String] = []
        var denyNetwork = true
        var i = 0
        while i < arguments.count, arguments[i] != "--" {
            guard i + 1 < arguments.count else { fail("option \(arguments[i]) needs a value") }
            switch arguments[i] {
            case "--write": dirs.append(arguments[i + 1])
            case "--write-file": files.append(arguments[i + 1])
            case "--network": denyNetwork = arguments[i + 1] != "on"
            default: fail("unknown option \(arguments[i])")
            }
            i += 2
        }
        let command = Array(arguments.dropFirst(i + 1))
        guard let program = command.first else { fail("no command after --") }
        var err = [CChar](repeating: 0, count: 512)
        let rc = withCStrings(dirs) { d in
            withCStrings(files) { f in
                sdk_landlock_restrict(constant(d), Int32(dirs.count), constant(f), Int32(files.count), denyNetwork ? 1 : 0,
                                      &err, Int32(err.count))
            }
        }
        if rc != 0 { fail(String(cString: err)) }
        withCStrings(command) { argv in
            _ = execv(program, argv)
        }
        let code = errno
        fail("cannot run \(program): \(FileSystem.describe(errno: code))", status: code == ENOENT ? 127 : 126)
    }

    static func fail(_ message: String, status: Int32 = 126) -> Never {
        let line = "sdetkit sandbox: \(message)\n"
        _ = line.withCString { write(2, $0, strlen($0)) }
        exit(status)
    }

    /// A NULL-terminated C array of copies of `strings`, valid during `body`.
    static func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
        let copies: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) } + [nil]
        defer { copies.forEach { free($0) } }
        return copies.withUnsafeBufferPointer { body($0.baseAddress!) }
    }

    static func constant(_ p: UnsafePointer<UnsafeMutablePointer<CChar>?>) -> UnsafePointer<UnsafePointer<CChar>?> {
        UnsafeRawPointer(p).assumingMemoryBound(to: UnsafePointer<CChar>?.self)
    }
}
