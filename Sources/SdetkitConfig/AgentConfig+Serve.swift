import SdetkitCore

extension AgentConfig {
    /// Settings of `sdetkit agent serve`, the `serve:` section (docs/config.md, docs/serve.md).
    /// Secrets are never stored here: ``Secrets`` holds the *names* of the environment variables that hold them.
    /// The section does not change ``AgentConfig/digest``.
    public struct Serve: Sendable, Hashable {
        /// A token bucket per channel and user: `tokens` requests at once, refilled at `refillPerSecond`.
        public struct RateLimit: Sendable, Hashable {
            /// Bucket size (≥ 1).
            public var tokens: Double
            /// Tokens added per second (> 0).
            public var refillPerSecond: Double

            public init(tokens: Double = 20, refillPerSecond: Double = 1) {
                self.tokens = tokens
                self.refillPerSecond = refillPerSecond
            }

            public static let defaults = RateLimit()
        }

        /// Concurrency limits of the run queue.
        public struct Queue: Sendable, Hashable {
            /// Most runs of one user executing at once (≥ 1).
            public var perUser: Int
            /// Most runs of one channel executing at once (≥ 1).
            public var perChannel: Int
            /// Most queued runs; a request beyond it is refused with 429 (≥ 1).
            public var maxDepth: Int

            public init(perUser: Int = 1, perChannel: Int = 2, maxDepth: Int = 1000) {
                self.perUser = perUser
                self.perChannel = perChannel
                self.maxDepth = maxDepth
            }

            public static let defaults = Queue()
        }

        /// The names of the environment variables that hold the secrets (never the values).
        /// Each name matches `^[A-Z_][A-Z0-9_]*$`.
        public struct Secrets: Sendable, Hashable {
            /// Bearer token for `/api/v1/*` and the generic webhook.
            public var token: String = "SDETKIT_SERVE_TOKEN"
            /// Signing secret of the generic webhook (Standard Webhooks, GitHub).
            public var webhookSecret: String = "SDETKIT_WEBHOOK_SECRET"
            /// Slack's signing secret (v0 request signatures).
            public var slackSigningSecret: String = "SDETKIT_SLACK_SIGNING_SECRET"
            /// Telegram's `secret_token` (`X-Telegram-Bot-Api-Secret-Token`).
            public var telegramSecretToken: String = "SDETKIT_TELEGRAM_SECRET_TOKEN"

            public init(token: String = "SDETKIT_SERVE_TOKEN", webhookSecret: String = "SDETKIT_WEBHOOK_SECRET",
                        slackSigningSecret: String = "SDETKIT_SLACK_SIGNING_SECRET",
                        telegramSecretToken: String = "SDETKIT_TELEGRAM_SECRET_TOKEN") {
                self.token = token
                self.webhookSecret = webhookSecret
                self.slackSigningSecret = slackSigningSecret
                self.telegramSecretToken = telegramSecretToken
            }

            public static let defaults = Secrets()

            /// True when `name` can be an environment variable name here: `^[A-Z_][A-Z0-9_]*$`.
            static func isValidName(_ name: String) -> Bool {
                guard let first = name.utf8.first, first == UInt8(ascii: "_") || (0x41...0x5A).contains(first) else {
                    return false
                }
                return name.utf8.allSatisfy { $0 == UInt8(ascii: "_") || (0x41...0x5A).contains($0) || (0x30...0x39).contains($0) }
            }
        }

        /// What a chat message asks for.
        public enum IntentKind: String, Sendable, Hashable, CaseIterable {
            case help, status, audit, history, dashboard, template
        }

        /// A phrase that selects an intent, in addition to the built-in English and Russian ones.
        public struct Intent: Sendable, Hashable {
            /// The phrase, matched against whole words of a message, ignoring case. Not empty; words are
            /// separated by single spaces.
            public var match: String
            public var kind: IntentKind
            /// The template to run; set exactly when `kind == .template`.
            public var template: String?

            public init(match: String, kind: IntentKind, template: String? = nil) {
                self.match = match
                self.kind = kind
                self.template = template
            }
        }

        /// Someone who may approve gated actions from chat (`approve <run_id>`). Written `channel:user`.
        public struct Approver: Sendable, Hashable {
            /// `slack`, `telegram`, `generic`, …: the event's channel.
            public var channel: String
            /// The sender's id on that channel (Slack `U123`, Telegram `42`, the generic `user_id`).
            public var user: String

            public init(channel: String, user: String) {
                self.channel = channel
                self.user = user
            }

            /// `channel:user`, as written in config.yaml.
            var text: String { "\(channel):\(user)" }
        }

        /// Address to listen on.
        public var host: String = "127.0.0.1"
        /// TCP port (0...65535; 0 takes a free port).
        public var port: Int = 8787
        /// Runs executing at once (1...64).
        public var workers: Int = 2
        /// Largest request body (1024...16_777_216 bytes).
        public var bodyLimitBytes: Int = 65_536
        /// Deepest JSON nesting accepted (1...256).
        public var maxJSONDepth: Int = 32
        /// Longest JSON string accepted, in bytes (≥ 1).
        public var maxStringBytes: Int = 16_384
        /// Most request headers (8...1000).
        public var maxHeaders: Int = 64
        /// Most open connections (≥ 1).
        public var maxConnections: Int = 512
        /// Seconds within which a request's headers and body must have arrived (> 0; against slowloris).
        public var requestTimeoutSeconds: Double = 10
        /// Seconds an idle keep-alive connection stays open (> 0).
        public var idleTimeoutSeconds: Double = 60
        /// Seconds running runs get to finish on SIGTERM/SIGINT before they are cancelled (≥ 0).
        public var gracePeriodSeconds: Double = 10
        /// Days events, finished queue entries and outbox messages are kept (≥ 1).
        public var retentionDays: Int = 30
        public var rateLimit: RateLimit
        public var queue: Queue
        /// Who may approve gated actions from chat; empty: nobody.
        public var approvers: [Approver]
        /// Extra intent phrases, in file order.
        public var intents: [Intent]
        public var secrets: Secrets

        public init(host: String = "127.0.0.1", port: Int = 8787, workers: Int = 2, bodyLimitBytes: Int = 65_536,
                    maxJSONDepth: Int = 32, maxStringBytes: Int = 16_384, maxHeaders: Int = 64, maxConnections: Int = 512,
                    requestTimeoutSeconds: Double = 10, idleTimeoutSeconds: Double = 60, gracePeriodSeconds: Double = 10,
                    retentionDays: Int = 30, rateLimit: RateLimit = .defaults, queue: Queue = .defaults,
                    approvers: [Approver] = [], intents: [Intent] = [], secrets: Secrets = .defaults) {
            self.host = host
            self.port = port
            self.workers = workers
            self.bodyLimitBytes = bodyLimitBytes
            self.maxJSONDepth = maxJSONDepth
            self.maxStringBytes = maxStringBytes
            self.maxHeaders = maxHeaders
            self.maxConnections = maxConnections
            self.requestTimeoutSeconds = requestTimeoutSeconds
            self.idleTimeoutSeconds = idleTimeoutSeconds
            self.gracePeriodSeconds = gracePeriodSeconds
            self.retentionDays = retentionDays
            self.rateLimit = rateLimit
            self.queue = queue
            self.approvers = approvers
            self.intents = intents
            self.secrets = secrets
        }

        public static let defaults = Serve()

        /// The section as JSON, with the YAML key names (part of ``AgentConfig/json``).
        var json: JSONValue {
            .object([
                "host": .string(host),
                "port": .int(port),
                "workers": .int(workers),
                "body_limit_bytes": .int(bodyLimitBytes),
                "max_json_depth": .int(maxJSONDepth),
                "max_string_bytes": .int(maxStringBytes),
                "max_headers": .int(maxHeaders),
                "max_connections": .int(maxConnections),
                "request_timeout_seconds": .number(requestTimeoutSeconds),
                "idle_timeout_seconds": .number(idleTimeoutSeconds),
                "grace_period_seconds": .number(gracePeriodSeconds),
                "retention_days": .int(retentionDays),
                "rate_limit": .object([
                    "tokens": .number(rateLimit.tokens),
                    "refill_per_second": .number(rateLimit.refillPerSecond),
                ]),
                "queue": .object([
                    "per_user": .int(queue.perUser),
                    "per_channel": .int(queue.perChannel),
                    "max_depth": .int(queue.maxDepth),
                ]),
                "approvers": .array(approvers.map { .string($0.text) }),
                "intents": .array(intents.map { intent in
                    var o: [String: JSONValue] = ["match": .string(intent.match), "intent": .string(intent.kind.rawValue)]
                    if let t = intent.template { o["template"] = .string(t) }
                    return .object(o)
                }),
                "secrets": .object([
                    "token_env": .string(secrets.token),
                    "webhook_secret_env": .string(secrets.webhookSecret),
                    "slack_signing_secret_env": .string(secrets.slackSigningSecret),
                    "telegram_secret_token_env": .string(secrets.telegramSecretToken),
                ]),
            ])
        }
    }
}
