import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import SdetkitCore
import SdetkitDemo
import SdetkitRuntime
import SdetkitEngine
import SdetkitPolicy

/// Shared command plumbing: finding the workspace and deciding how approvals are asked.
enum CLI {
    static func approvalMode(approve: Bool) -> ApprovalMode {
        if approve { return .granted }
        if isatty(0) == 1 && isatty(2) == 1 {
            return .prompt { question in
                Output.stderr("\(question) [y/N] ")
                guard let answer = readLine(strippingNewline: true) else { return false }
                return ["y", "yes"].contains(answer.lowercased())
            }
        }
        return .nonInteractive
    }

    /// Opens the repository that contains the current directory, with the full action registry.
    static func workspace(approve: Bool = false, warn: Bool = true) throws -> Workspace {
        let ws = try Workspace.open(from: FileSystem.currentDirectory(), registry: Toolkit.registry(),
                                    approval: approvalMode(approve: approve), environment: ProcessEnv.current())
        if warn { for w in ws.loaded.warnings { Output.warning(w) } }
        return ws
    }

    /// The current repository's state layout; refuses a state with a symbolic link in it unless
    /// `allowLinks` (doctor, which reports them).
    static func repositoryLayout(allowLinks: Bool = false) throws -> StateLayout {
        let layout = StateLayout(repoRoot: try Workspace.repositoryRoot(from: FileSystem.currentDirectory()))
        if !allowLinks { try layout.checkNoStateLinks() }
        return layout
    }
}

/// The flag every command has.
struct JSONFlag: ParsableArguments {
    @Flag(name: .long, help: "Print machine-readable JSON (schemas in docs/cli.md).")
    var json = false
}
