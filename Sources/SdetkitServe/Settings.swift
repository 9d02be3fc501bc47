import SdetkitConfig
import SdetkitCore

/// Which channel a request arrived on. `generic` covers CI webhooks; the others simulate chat platforms.
public enum ChannelKind: String, Sendable, Hashable, CaseIterable {
    case generic, slack, telegram
}

/// The secrets the server was given, read from the environment once at start-up (never from a file).
public struct ServeSecrets: Sendable {
    /// Bearer token for `/api/v1/*` and the generic webhook.
    public var token: [UInt8]?
    /// Standard Webhooks / GitHub signature secret for the generic webhook. A `whsec_` secret's HMAC key is the
    /// base64 after the prefix (Standard Webhooks); GitHub's key is the secret text itself.
    public var webhookSecret: String?
    public var slackSigningSecret: [UInt8]?
    public var telegramSecretToken: [UInt8]?

    public init(token: String? = nil, webhookSecret: String? = nil, slackSigningSecret: String? = nil,
                telegramSecretToken: String? = nil) {
        self.token = token.map { Array($0.utf8) }
        self.webhookSecret = webhookSecret
        self.slackSigningSecret = slackSigningSecret.map { Array($0.utf8) }
        self.telegramSecretToken = telegramSecretToken.map { Array($0.utf8) }
    }

    /// Reads the variables `names` gives; an empty value counts as unset.
    public init(environment: [String: String], names: AgentConfig.Serve.Secrets) {
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        self.init(token: value(names.token), webhookSecret: value(names.webhookSecret),
                  slackSigningSecret: value(names.slackSigningSecret), telegramSecretToken: value(names.telegramSecretToken))
    }
}

/// Everything the server runs with: the config's `serve:` section, command-line overrides and the secrets.
public struct ServeSettings: Sendable {
    public var config: AgentConfig.Serve
    public var secrets: ServeSecrets

    public init(config: AgentConfig.Serve = .defaults, secrets: ServeSecrets = ServeSecrets()) {
        self.config = config
        self.secrets = secrets
    }

    public var host: String { config.host }
    public var port: Int { config.port }

    /// The generic webhook accepts the bearer token or a signature made with the webhook secret.
    public func isEnabled(_ channel: ChannelKind) -> Bool {
        switch channel {
        case .generic: return secrets.token != nil || secrets.webhookSecret != nil
        case .slack: return secrets.slackSigningSecret != nil
        case .telegram: return secrets.telegramSecretToken != nil
        }
    }

    /// The environment variable that enables `channel`, for messages.
    public func secretName(for channel: ChannelKind) -> String {
        switch channel {
        case .generic: return "\(config.secrets.token) or \(config.secrets.webhookSecret)"
        case .slack: return config.secrets.slackSigningSecret
        case .telegram: return config.secrets.telegramSecretToken
        }
    }

    /// Whether `host` names only this machine (127.0.0.0/8, ::1, localhost).
    public static func isLoopback(_ host: String) -> Bool {
        let h = host.lowercased()
        if h == "localhost" || h == "::1" || h == "[::1]" { return true }
        let parts = h.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }

    /// Refuses a configuration that would expose the server: a non-loopback bind needs the bearer token.
    /// (A channel whose secret is unset is disabled, never open, so it cannot be exposed.)
    public func checkSafeToBind() throws(ServeError) {
        guard !Self.isLoopback(host) else { return }
        if secrets.token == nil {
            throw ServeError.unsafeBind("refusing to serve on \(host) (not a loopback address) without a bearer token: "
                + "set \(config.secrets.token) in the environment, or bind to 127.0.0.1")
        }
    }
}

/// Errors of the server's set-up, store and client, written for people.
public enum ServeError: Error, UserFacingError, CustomStringConvertible {
    case unsafeBind(String)
    case config(String)
    case store(String)
    case alreadyServing(String)
    case send(String)

    public var message: String {
        switch self {
        case .unsafeBind(let m), .config(let m), .store(let m), .alreadyServing(let m), .send(let m): return m
        }
    }

    public var exitStatus: ExitStatus {
        switch self {
        case .send: return .runFailed
        default: return .usage
        }
    }

    public var description: String { message }
}
