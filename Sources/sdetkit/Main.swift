import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import SdetkitCore
import SdetkitEngine

/// Entry point: parses, runs, and maps every error to one stderr line and a documented exit code
/// (0 ok, 1 run failed or denied, 2 usage/config/input, 3 integrity).
@main
enum Main {
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        // The sandbox launcher re-executes sdetkit as the child of every command (docs/security-model.md).
        if arguments.first == SandboxLauncher.verb { SandboxLauncher.main() }
        SandboxLauncher.thisProgramLaunches()
        do {
            var command = try SdetkitCommand.parseAsRoot(arguments)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(ErrorReporter.report(error))
        }
    }
}

enum ErrorReporter {
    /// Prints the error in one line on stderr (help and version go to stdout) and returns the exit code.
    static func report(_ error: Error) -> Int32 {
        switch error {
        case let e as RunExit:
            return e.code
        case let e as UserFacingError:
            Output.error(e.message)
            return e.exitStatus.rawValue
        default:
            let code = SdetkitCommand.exitCode(for: error)
            let message = SdetkitCommand.fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { Output.line(message) }
                return 0
            }
            // ArgumentParser's usage errors: keep its text (with the usage hint), exit 2 as documented.
            let text = message.isEmpty ? "\(error)" : message
            Output.stderr(text.hasSuffix("\n") ? text : text + "\n")
            return ExitStatus.usage.rawValue
        }
    }
}

/// Thrown by commands that already printed their result and want a specific exit code.
struct RunExit: Error {
    let code: Int32
    static let failed = RunExit(code: ExitStatus.runFailed.rawValue)
    static let integrity = RunExit(code: ExitStatus.integrity.rawValue)
}
