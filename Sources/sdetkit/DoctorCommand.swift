import ArgumentParser
import SdetkitCore
import SdetkitRuntime

struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check config, state layout, ledger/index consistency, libraries, allowlists and the provider.",
        discussion: "Prints {\"ok\", \"checks\": [{\"name\", \"ok\", \"level\", \"detail\"}]} with --json (level: ok, warn or fail). Exit 0 when no check fails, 1 otherwise; a warning does not fail. The checks are listed in docs/cli.md#doctor."
    )
    @OptionGroup var output: JSONFlag

    func run() throws {
        let layout = try CLI.repositoryLayout(allowLinks: true)
        let checks = Doctor.checks(layout: layout)
        let ok = checks.allSatisfy(\.ok)
        if output.json {
            Output.json(["ok": .bool(ok), "checks": .array(checks.map(\.json))])
        } else {
            for c in checks {
                let mark = switch c.level { case .ok: "ok  "; case .warn: "warn"; case .fail: "FAIL" }
                Output.line("\(mark) \(Output.pad(c.name, 16)) \(c.detail)")
            }
            Output.line(ok ? "all checks passed" : "some checks failed")
        }
        if !ok { throw RunExit.failed }
    }
}
