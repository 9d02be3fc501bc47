import ArgumentParser
import Logging
import SdetkitConfig
import SdetkitCore
import SdetkitRuntime
import SdetkitServe

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve webhooks, Slack and Telegram simulation and the run API on a private network (docs/serve.md).",
        discussion: """
        The first stdout line is {"status":"serving","host":…,"port":…}; logs are JSON lines on stderr. Secrets come \
        only from the environment (SDETKIT_SERVE_TOKEN, SDETKIT_WEBHOOK_SECRET, SDETKIT_SLACK_SIGNING_SECRET, \
        SDETKIT_TELEGRAM_SECRET_TOKEN by default); a channel whose secret is unset is disabled. SIGTERM or SIGINT \
        stops it gracefully (exit 0). Exit 2: bad options or config, an unsafe bind, or another server on this repository.
        """,
        subcommands: [Start.self, Send.self],
        defaultSubcommand: Start.self
    )

    struct Start: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "start", abstract: "Run the server (the default: 'sdetkit agent serve --port 0').")
        @Option(help: "Address to listen on (default: serve.host, 127.0.0.1).") var host: String?
        @Option(help: "TCP port; 0 takes a free port (default: serve.port, 8787).") var port: Int?
        @Option(help: "Runs executed at once (default: serve.workers, 2).") var workers: Int?
        @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
        var logLevel: String = "info"

        func validate() throws {
            if let port, !(0...65535).contains(port) { throw ValidationError("--port must be from 0 to 65535 (0 takes a free port)") }
            if let workers, !(1...64).contains(workers) { throw ValidationError("--workers must be from 1 to 64") }
            if let host, host.isEmpty || host.contains("/") { throw ValidationError("--host must be a host name or IP address") }
            if Logger.Level(rawValue: logLevel) == nil {
                throw ValidationError("--log-level must be trace, debug, info, notice, warning, error or critical")
            }
        }

        func run() async throws {
            let ws = try Workspace.open(from: FileSystem.currentDirectory(), registry: Toolkit.registry(), approval: .nonInteractive,
                                        environment: ProcessEnv.current())
            for w in ws.loaded.warnings { Output.warning(w) }
            var config = ws.config.serve
            if let host { config.host = host }
            if let port { config.port = port }
            if let workers { config.workers = workers }
            let settings = ServeSettings(config: config, secrets: ServeSecrets(environment: ProcessEnv.current(), names: config.secrets))
            try await ServeRunner.run(settings: settings, workspace: ws, logLevel: Logger.Level(rawValue: logLevel) ?? .info)
        }
    }

    struct Send: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "send",
            abstract: "Post a correctly signed request to a running server, as the channel would.",
            discussion: "Signs with the same environment variables the server reads. Prints the server's answer; exit 1 when it is not 2xx.")
        @Option(help: "generic, slack or telegram.") var channel: ChannelKind
        @Option(help: "The message text.") var text: String
        @Option(help: "The sender's user id (Telegram: the chat id too).") var user: String = "cli"
        @Option(help: "The server, http://HOST:PORT (default: serve.host and serve.port).") var url: String?

        func run() async throws {
            let layout = try CLI.repositoryLayout()
            let config = (try? ConfigLoader.load(layout: layout).config.serve) ?? .defaults
            let settings = ServeSettings(config: config, secrets: ServeSecrets(environment: ProcessEnv.current(), names: config.secrets))
            let prepared = try Sender.prepare(channel: channel, text: text, user: user, secrets: settings.secrets, names: settings,
                                              now: RunClock(fixedEpoch: nil).nowEpochSeconds())
            let target = url ?? "http://\(config.host):\(config.port)"
            let (status, body) = try await Sender.post(prepared, url: target)
            Output.line("\(status) \(String(decoding: body, as: UTF8.self))")
            if !(200..<300).contains(status) { throw RunExit.failed }
        }
    }
}

extension ChannelKind: ExpressibleByArgument {}
