import Yams

/// Reading the `serve:` section (settings of `sdetkit agent serve`; docs/config.md).
extension ConfigLoader {
    enum ServeKeys {
        static let serve = ["host", "port", "workers", "body_limit_bytes", "max_json_depth", "max_string_bytes", "max_headers",
                            "max_connections", "request_timeout_seconds", "idle_timeout_seconds", "grace_period_seconds",
                            "retention_days", "rate_limit", "queue", "approvers", "intents", "secrets"]
        static let rateLimit = ["tokens", "refill_per_second"]
        static let queue = ["per_user", "per_channel", "max_depth"]
        static let intent = ["match", "intent", "template"]
        static let secrets = ["token_env", "webhook_secret_env", "slack_signing_secret_env", "telegram_secret_token_env"]
    }

    static func readServe(_ section: Member, _ r: ConfigReader) throws(ConfigError) -> AgentConfig.Serve {
        var s = AgentConfig.Serve.defaults
        var none: [String] = []
        for m in try r.members(of: section.value, path: "serve", line: section.line, allowed: ServeKeys.serve, ignored: &none) {
            switch m.name {
            case "host": s.host = try readHost(m, r)
            case "port": s.port = try r.int(m, in: 0...65_535, requirement: "an integer from 0 to 65535 (0 takes a free port)")
            case "workers": s.workers = try r.int(m, in: 1...64, requirement: "an integer from 1 to 64")
            case "body_limit_bytes":
                s.bodyLimitBytes = try r.int(m, in: 1024...16_777_216, requirement: "an integer number of bytes from 1024 to 16777216")
            case "max_json_depth": s.maxJSONDepth = try r.int(m, in: 1...256, requirement: "an integer from 1 to 256")
            case "max_string_bytes": s.maxStringBytes = try r.int(m, min: 1, requirement: "an integer number of bytes ≥ 1")
            case "max_headers": s.maxHeaders = try r.int(m, in: 8...1000, requirement: "an integer from 8 to 1000")
            case "max_connections": s.maxConnections = try r.int(m, min: 1, requirement: "an integer ≥ 1")
            case "request_timeout_seconds":
                s.requestTimeoutSeconds = try r.number(m, requirement: "a number of seconds > 0") { $0 > 0 }
            case "idle_timeout_seconds":
                s.idleTimeoutSeconds = try r.number(m, requirement: "a number of seconds > 0") { $0 > 0 }
            case "grace_period_seconds":
                s.gracePeriodSeconds = try r.number(m, requirement: "a number of seconds ≥ 0") { $0 >= 0 }
            case "retention_days": s.retentionDays = try r.int(m, min: 1, requirement: "an integer number of days ≥ 1")
            case "rate_limit": s.rateLimit = try readRateLimit(m, r)
            case "queue": s.queue = try readQueue(m, r)
            case "approvers": s.approvers = try readApprovers(m, r)
            case "intents": s.intents = try readIntents(m, r)
            default: s.secrets = try readSecrets(m, r)
            }
        }
        return s
    }

    static func readRateLimit(_ section: Member, _ r: ConfigReader) throws(ConfigError) -> AgentConfig.Serve.RateLimit {
        var limit = AgentConfig.Serve.RateLimit.defaults
        var none: [String] = []
        for m in try r.members(of: section.value, path: section.path, line: section.line, allowed: ServeKeys.rateLimit,
                               ignored: &none) {
            if m.name == "tokens" {
                limit.tokens = try r.number(m, requirement: "a number ≥ 1") { $0 >= 1 }
            } else {
                limit.refillPerSecond = try r.number(m, requirement: "a number of tokens per second > 0, such as 0.5") { $0 > 0 }
            }
        }
        return limit
    }

    static func readQueue(_ section: Member, _ r: ConfigReader) throws(ConfigError) -> AgentConfig.Serve.Queue {
        var q = AgentConfig.Serve.Queue.defaults
        var none: [String] = []
        for m in try r.members(of: section.value, path: section.path, line: section.line, allowed: ServeKeys.queue, ignored: &none) {
            let v = try r.int(m, min: 1, requirement: "an integer ≥ 1")
            switch m.name {
            case "per_user": q.perUser = v
            case "per_channel": q.perChannel = v
            default: q.maxDepth = v
            }
        }
        return q
    }

    static func readSecrets(_ section: Member, _ r: ConfigReader) throws(ConfigError) -> AgentConfig.Serve.Secrets {
        var s = AgentConfig.Serve.Secrets.defaults
        var none: [String] = []
        for m in try r.members(of: section.value, path: section.path, line: section.line, allowed: ServeKeys.secrets,
                               ignored: &none) {
            let requirement = "the name of an environment variable, such as 'SDETKIT_SERVE_TOKEN'"
            guard case .scalar(let scalar) = m.value, case .string(let name) = ScalarValue(scalar),
                  AgentConfig.Serve.Secrets.isValidName(name) else {
                // The value is not repeated: it may be a secret pasted in by mistake.
                throw r.invalid(m, "must be \(requirement) (capital letters, digits and '_', not starting with a digit); "
                                + "put the secret itself in that variable, never in config.yaml")
            }
            switch m.name {
            case "token_env": s.token = name
            case "webhook_secret_env": s.webhookSecret = name
            case "slack_signing_secret_env": s.slackSigningSecret = name
            default: s.telegramSecretToken = name
            }
        }
        return s
    }

    static func readApprovers(_ m: Member, _ r: ConfigReader) throws(ConfigError) -> [AgentConfig.Serve.Approver] {
        let requirement = "a list of 'channel:user' entries, such as 'slack:U123' or 'telegram:42'"
        var out: [AgentConfig.Serve.Approver] = []
        for item in try r.list(m, requirement: requirement) {
            let raw = try r.text(item, line: item.line, path: m.path, requirement: requirement)
            let key = "\(m.path) entry '\(ConfigText.clip(raw))'"
            guard let colon = raw.firstIndex(of: ":") else {
                throw r.invalid(item.line, key, "must be 'channel:user', such as 'slack:U123' or 'telegram:42'")
            }
            let channel = String(raw[..<colon])
            let user = String(raw[raw.index(after: colon)...])
            guard !channel.isEmpty, isChannelName(channel) else {
                throw r.invalid(item.line, key, "must start with a channel of 1 to 64 letters, digits, '.', '_' or '-' "
                                + "before the ':', such as 'slack:U123'")
            }
            guard !user.isEmpty, !user.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F }) else {
                throw r.invalid(item.line, key, "must have a user id after the ':' (no spaces), such as 'slack:U123'")
            }
            let approver = AgentConfig.Serve.Approver(channel: channel, user: user)
            if !out.contains(approver) { out.append(approver) }
        }
        return out
    }

    static func readIntents(_ m: Member, _ r: ConfigReader) throws(ConfigError) -> [AgentConfig.Serve.Intent] {
        let requirement = "a list of mappings such as {match: \"check docs\", intent: template, template: docs-link-check}"
        var out: [AgentConfig.Serve.Intent] = []
        var matchLines: [String: (index: Int, line: Int)] = [:]
        var none: [String] = []
        for (index, item) in try r.list(m, requirement: requirement).enumerated() {
            let path = "\(m.path)[\(index)]"
            guard case .mapping = item else {
                throw r.invalid(item.line, path, "must be a mapping with the keys match, intent and template (for "
                                + "intent: template), got \(item.describedForMessage)")
            }
            var match: String?
            var kind: AgentConfig.Serve.IntentKind?
            var template: (name: String, line: Int)?
            for f in try r.members(of: item, path: path, line: item.line, allowed: ServeKeys.intent, ignored: &none) {
                switch f.name {
                case "match":
                    let phrase = try r.text(f, requirement: "a phrase such as 'check docs'")
                    if phrase.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\t" || $0.value == 0x7F }) {
                        throw r.invalid(f, "contains a control character; write the phrase on one line")
                    }
                    let words = phrase.split(whereSeparator: { $0.isWhitespace })
                    guard !words.isEmpty else { throw r.invalid(f, "must be a phrase such as 'check docs', got only spaces") }
                    let normal = words.joined(separator: " ")
                    if let earlier = matchLines[normal.lowercased()] {
                        throw r.invalid(f, "'\(ConfigText.clip(normal))' is already the phrase of \(m.path)[\(earlier.index)] "
                                        + "(line \(earlier.line)); keep one of them")
                    }
                    matchLines[normal.lowercased()] = (index, f.line)
                    match = normal
                case "intent":
                    let names = AgentConfig.Serve.IntentKind.allCases.map(\.rawValue)
                    let oneOf = "one of " + names.map { "'\($0)'" }.joined(separator: ", ")
                    let text = try r.text(f, requirement: oneOf)
                    guard let k = AgentConfig.Serve.IntentKind(rawValue: text) else {
                        let hint = ConfigText.suggestion(for: text, among: names).map { " (did you mean '\($0)'?)" } ?? ""
                        throw r.invalid(f, "must be \(oneOf), got \(f.value.describedForMessage)\(hint)")
                    }
                    kind = k
                default:
                    let name = try r.text(f, requirement: "a template id such as 'docs-link-check'")
                    guard isTemplateID(name) else {
                        throw r.invalid(f, "must be a template id such as 'docs-link-check' (1 to 64 letters, digits, "
                                        + "'.', '_' or '-', starting with a letter or digit), got \(f.value.describedForMessage)")
                    }
                    template = (name, f.line)
                }
            }
            guard let match else { throw r.invalid(item.line, path, "has no 'match'; add the phrase that selects it, such as match: \"check docs\"") }
            guard let kind else {
                throw r.invalid(item.line, path, "has no 'intent'; add one of "
                                + AgentConfig.Serve.IntentKind.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", "))
            }
            if kind == .template, template == nil {
                throw r.invalid(item.line, path, "has intent 'template' but no 'template'; add the template id to run, such as template: docs-link-check")
            }
            if kind != .template, let template {
                throw r.invalid(template.line, "\(path).template", "is only allowed with intent 'template' (this intent is '\(kind.rawValue)'); remove it")
            }
            out.append(.init(match: match, kind: kind, template: template?.name))
        }
        return out
    }

    /// A host name or IP address to listen on: letters, digits, '.', '-', '_' and ':' (IPv6), no scheme or port.
    static func readHost(_ m: Member, _ r: ConfigReader) throws(ConfigError) -> String {
        let requirement = "a host name or IP address to listen on, such as '127.0.0.1', '0.0.0.0' or '::1'"
        let host = try r.text(m, requirement: requirement)
        if host.contains("://") || host.contains("/") {
            throw r.invalid(m, "must be \(requirement), got \(m.value.describedForMessage); write only the address, not a URL")
        }
        if host.hasPrefix("[") || (host.filter { $0 == ":" }.count == 1) {
            throw r.invalid(m, "must be \(requirement), got \(m.value.describedForMessage); write the address alone and the port in serve.port")
        }
        let ok = host.utf8.count <= 253 && host.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "." || $0 == "-" || $0 == "_" || $0 == ":"
        }
        guard ok else { throw r.invalid(m, "must be \(requirement), got \(m.value.describedForMessage)") }
        return host
    }

    /// 1 to 64 of `[A-Za-z0-9._-]` (the generic webhook's `channel` rule).
    static func isChannelName(_ s: String) -> Bool {
        (1...64).contains(s.utf8.count) && s.utf8.allSatisfy(isIDByte)
    }

    /// 1 to 64 of `[A-Za-z0-9._-]`, starting with a letter or digit (a template's `metadata.id`).
    static func isTemplateID(_ s: String) -> Bool {
        guard let first = s.utf8.first, isIDByte(first), first != UInt8(ascii: "."), first != UInt8(ascii: "_"),
              first != UInt8(ascii: "-") else { return false }
        return s.utf8.count <= 64 && s.utf8.allSatisfy(isIDByte)
    }

    static func isIDByte(_ b: UInt8) -> Bool {
        (0x30...0x39).contains(b) || (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b)
            || b == UInt8(ascii: ".") || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")
    }
}
