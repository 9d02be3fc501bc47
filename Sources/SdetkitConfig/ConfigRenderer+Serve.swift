/// Writing the `serve:` section.
extension ConfigRenderer {
    static func renderServe(_ s: AgentConfig.Serve, commented: Bool) -> String {
        var out = ""
        func comment(_ indent: Int, _ lines: String...) {
            guard commented else { return }
            let pad = String(repeating: " ", count: indent)
            for line in lines { out += line.isEmpty ? "\(pad)#\n" : "\(pad)# \(line)\n" }
        }
        func line(_ indent: Int, _ text: String) {
            out += String(repeating: " ", count: indent) + text + "\n"
        }

        comment(0, "Settings of 'sdetkit agent serve' (docs/serve.md). They do not change run results or the",
                "config digest recorded with each run. Secrets are never written here, only the names of",
                "the environment variables that hold them.")
        line(0, "serve:")
        comment(2, "Address to listen on. Anything but a loopback address needs the token variable set.")
        line(2, "host: \(string(s.host))")
        comment(2, "TCP port (0 to 65535, default 8787); 0 takes a free port.")
        line(2, "port: \(s.port)")
        comment(2, "Runs executed at once (1 to 64, default 2).")
        line(2, "workers: \(s.workers)")
        comment(2, "Largest request body in bytes (1024 to 16777216, default 65536); larger ones get 413.")
        line(2, "body_limit_bytes: \(s.bodyLimitBytes)")
        comment(2, "Deepest JSON nesting accepted (1 to 256, default 32).")
        line(2, "max_json_depth: \(s.maxJSONDepth)")
        comment(2, "Longest JSON string accepted, in bytes (integer ≥ 1, default 16384).")
        line(2, "max_string_bytes: \(s.maxStringBytes)")
        comment(2, "Most headers in one request (8 to 1000, default 64).")
        line(2, "max_headers: \(s.maxHeaders)")
        comment(2, "Most open connections (integer ≥ 1, default 512).")
        line(2, "max_connections: \(s.maxConnections)")
        comment(2, "Seconds within which a request's headers and body must arrive (number > 0, default 10).")
        line(2, "request_timeout_seconds: \(number(s.requestTimeoutSeconds))")
        comment(2, "Seconds an idle keep-alive connection stays open (number > 0, default 60).")
        line(2, "idle_timeout_seconds: \(number(s.idleTimeoutSeconds))")
        comment(2, "On SIGTERM or SIGINT, seconds running runs get to finish before they are cancelled",
                "(number ≥ 0, default 10).")
        line(2, "grace_period_seconds: \(number(s.gracePeriodSeconds))")
        comment(2, "Days events, finished queue entries and outbox messages are kept (integer ≥ 1, default 30).")
        line(2, "retention_days: \(s.retentionDays)")

        comment(2, "A token bucket per channel and user; an empty bucket answers 429 with Retry-After.")
        line(2, "rate_limit:")
        comment(4, "Bucket size: requests allowed at once (number ≥ 1, default 20).")
        line(4, "tokens: \(number(s.rateLimit.tokens))")
        comment(4, "Tokens added back per second (number > 0, default 1).")
        line(4, "refill_per_second: \(number(s.rateLimit.refillPerSecond))")

        comment(2, "Limits of the run queue.")
        line(2, "queue:")
        comment(4, "Runs of one user executing at once (integer ≥ 1, default 1).")
        line(4, "per_user: \(s.queue.perUser)")
        comment(4, "Runs of one channel executing at once (integer ≥ 1, default 2).")
        line(4, "per_channel: \(s.queue.perChannel)")
        comment(4, "Most queued runs; more are refused with 429 (integer ≥ 1, default 1000).")
        line(4, "max_depth: \(s.queue.maxDepth)")

        comment(2, "Who may approve gated actions from chat with 'approve <run_id>', as 'channel:user'.",
                "Empty (the default): nobody; gated actions from chat are denied.")
        if s.approvers.isEmpty {
            comment(2, "Example:", "  approvers:", "    - slack:U0123ABCD", "    - telegram:42")
            line(2, "approvers: []")
        } else {
            line(2, "approvers:")
            for a in s.approvers { line(4, "- \(string(a.text))") }
        }

        comment(2, "Extra phrases for intents (help, status, audit, history, dashboard, template), beside the",
                "built-in English and Russian ones. A phrase matches whole words, ignoring case.")
        if s.intents.isEmpty {
            comment(2, "Example:", "  intents:", "    - {match: \"check docs\", intent: template, template: docs-link-check}",
                    "    - {match: \"проверка\", intent: audit}")
            line(2, "intents: []")
        } else {
            line(2, "intents:")
            for i in s.intents {
                var fields = "match: \(string(i.match, flow: true)), intent: \(i.kind.rawValue)"
                if let t = i.template { fields += ", template: \(string(t, flow: true))" }
                line(4, "- {\(fields)}")
            }
        }

        comment(2, "Names of the environment variables that hold the secrets (never the secrets themselves).",
                "A channel whose variable is unset is disabled.")
        line(2, "secrets:")
        comment(4, "Bearer token for /api/v1/* and the generic webhook.")
        line(4, "token_env: \(string(s.secrets.token))")
        comment(4, "Signing secret of the generic webhook (Standard Webhooks or GitHub signatures).")
        line(4, "webhook_secret_env: \(string(s.secrets.webhookSecret))")
        comment(4, "Slack's signing secret; enables /webhook/slack.")
        line(4, "slack_signing_secret_env: \(string(s.secrets.slackSigningSecret))")
        comment(4, "Telegram's secret_token; enables /webhook/telegram.")
        line(4, "telegram_secret_token_env: \(string(s.secrets.telegramSecretToken))")
        return out
    }
}
