import ArgumentParser
import SdetkitCore

struct SdetkitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sdetkit",
        abstract: "A repository-local developer toolkit: audited automation with a verifiable history.",
        discussion: "State lives in .sdetkit/ of the git repository that contains the current directory. Exit codes: 0 ok, 1 a run failed or was denied, 2 usage/config/input error, 3 integrity problem.",
        version: ToolInfo.version,
        subcommands: [AgentCommand.self]
    )
}

struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Run deterministic automation under allowlists and approval gates, and inspect its history.",
        discussion: "Start with 'sdetkit agent demo' in any git repository, or 'sdetkit agent init' then 'sdetkit agent run health-check'.",
        subcommands: [
            InitCommand.self, RunCommand.self, ConfigCommand.self, HistoryCommand.self, DoctorCommand.self,
            AuditCommand.self, TemplatesCommand.self, DashboardCommand.self, DemoCommand.self, ActionsCommand.self, ServeCommand.self,
        ]
    )
}
