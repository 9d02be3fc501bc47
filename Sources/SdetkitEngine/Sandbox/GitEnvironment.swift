import SdetkitCore
import SdetkitPolicy

/// The environment an allowed `git` command runs with: no system or global configuration, none of the
/// inherited `GIT_*` variables (which could point git at another repository, exec path, ssh or proxy
/// program), and command-line configuration (`GIT_CONFIG_COUNT`, which outranks the repository's own
/// `.git/config`) that switches off what a hostile repository configuration could make git run: the
/// fsmonitor hook, hooks, the pager, an external diff, ssh and askpass programs, credential helpers, the
/// `ext::` transport and editors. Its options are checked by the policy engine (`GitArguments`).
public enum GitEnvironment {
    static let overrides: [(String, String)] = [
        ("core.fsmonitor", "false"),
        ("core.hooksPath", "/dev/null"),
        ("core.pager", "cat"),
        ("diff.external", ""),
        ("core.sshCommand", "false"),
        ("core.askPass", "false"),
        ("core.editor", "false"),
        ("sequence.editor", "false"),
        ("core.gitProxy", ""),
        ("credential.helper", ""),
        ("protocol.ext.allow", "never"),
        ("safe.directory", "*"),
    ]

    /// `environment` (NAME=VALUE entries) with every `GIT_*` variable replaced by the neutralising set.
    public static func apply(to environment: [String: String]) -> [String: String] {
        var env = environment.filter { !$0.key.hasPrefix("GIT_") }
        env["GIT_CONFIG_NOSYSTEM"] = "1"
        env["GIT_CONFIG_GLOBAL"] = "/dev/null"
        env["GIT_PAGER"] = "cat"
        env["PAGER"] = "cat"
        env["GIT_TERMINAL_PROMPT"] = "0"
        env["GIT_ASKPASS"] = "false"
        env["GIT_CONFIG_COUNT"] = String(overrides.count)
        for (i, (key, value)) in overrides.enumerated() {
            env["GIT_CONFIG_KEY_\(i)"] = key
            env["GIT_CONFIG_VALUE_\(i)"] = value
        }
        return env
    }
}
