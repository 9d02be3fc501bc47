import XCTest
import SdetkitCore
@testable import SdetkitConfig

/// A `serve:` section with every key set; line numbers are relied on by the tests.
let serveConfig = """
version: 1
serve:
  host: 0.0.0.0
  port: 9000
  workers: 4
  body_limit_bytes: 1048576
  max_json_depth: 16
  max_string_bytes: 4096
  max_headers: 100
  max_connections: 64
  request_timeout_seconds: 2.5
  idle_timeout_seconds: 30
  grace_period_seconds: 0
  retention_days: 7
  rate_limit:
    tokens: 1000
    refill_per_second: 0.2
  queue:
    per_user: 2
    per_channel: 3
    max_depth: 50
  approvers:
    - slack:U123
    - telegram:42
    - generic:alice
  intents:
    - {match: "check  docs", intent: template, template: docs-link-check}
    - match: Проверка
      intent: audit
  secrets:
    token_env: MY_TOKEN
    webhook_secret_env: MY_WEBHOOK
    slack_signing_secret_env: SLACK_SECRET_2
    telegram_secret_token_env: _TG

"""

func serveConfig(replacingLine line: Int, with text: String) -> String {
    var lines = serveConfig.components(separatedBy: "\n")
    lines[line - 1] = text
    return lines.joined(separator: "\n")
}

final class ServeConfigTests: XCTestCase {
    typealias Serve = AgentConfig.Serve

    func testDefaults() throws {
        let s = AgentConfig.defaults.serve
        XCTAssertEqual(s, Serve.defaults)
        XCTAssertEqual(s.host, "127.0.0.1")
        XCTAssertEqual(s.port, 8787)
        XCTAssertEqual(s.workers, 2)
        XCTAssertEqual(s.bodyLimitBytes, 65_536)
        XCTAssertEqual(s.maxJSONDepth, 32)
        XCTAssertEqual(s.maxStringBytes, 16_384)
        XCTAssertEqual(s.maxHeaders, 64)
        XCTAssertEqual(s.maxConnections, 512)
        XCTAssertEqual(s.requestTimeoutSeconds, 10)
        XCTAssertEqual(s.idleTimeoutSeconds, 60)
        XCTAssertEqual(s.gracePeriodSeconds, 10)
        XCTAssertEqual(s.retentionDays, 30)
        XCTAssertEqual(s.rateLimit, .init(tokens: 20, refillPerSecond: 1))
        XCTAssertEqual(s.queue, .init(perUser: 1, perChannel: 2, maxDepth: 1000))
        XCTAssertEqual(s.approvers, [])
        XCTAssertEqual(s.intents, [])
        XCTAssertEqual(s.secrets.token, "SDETKIT_SERVE_TOKEN")
        XCTAssertEqual(s.secrets.webhookSecret, "SDETKIT_WEBHOOK_SECRET")
        XCTAssertEqual(s.secrets.slackSigningSecret, "SDETKIT_SLACK_SIGNING_SECRET")
        XCTAssertEqual(s.secrets.telegramSecretToken, "SDETKIT_TELEGRAM_SECRET_TOKEN")
        XCTAssertEqual(Serve.IntentKind.allCases.map(\.rawValue), ["help", "status", "audit", "history", "dashboard", "template"])
        for text in ["version: 1\nserve:\n", "version: 1\nserve: {}\n", "version: 1\nserve:\n  rate_limit:\n  queue: {}\n  secrets: ~\n"] {
            XCTAssertEqual(try parse(text).config, .defaults, text)
        }
    }

    func testEveryKey() throws {
        let loaded = try parse(serveConfig)
        XCTAssertEqual(loaded.warnings, [])
        XCTAssertEqual(loaded.config.budgets, .defaults)
        let expected = Serve(
            host: "0.0.0.0", port: 9000, workers: 4, bodyLimitBytes: 1_048_576, maxJSONDepth: 16, maxStringBytes: 4096,
            maxHeaders: 100, maxConnections: 64, requestTimeoutSeconds: 2.5, idleTimeoutSeconds: 30, gracePeriodSeconds: 0,
            retentionDays: 7, rateLimit: .init(tokens: 1000, refillPerSecond: 0.2),
            queue: .init(perUser: 2, perChannel: 3, maxDepth: 50),
            approvers: [.init(channel: "slack", user: "U123"), .init(channel: "telegram", user: "42"),
                        .init(channel: "generic", user: "alice")],
            intents: [.init(match: "check docs", kind: .template, template: "docs-link-check"),
                      .init(match: "Проверка", kind: .audit)],
            secrets: .init(token: "MY_TOKEN", webhookSecret: "MY_WEBHOOK", slackSigningSecret: "SLACK_SECRET_2",
                           telegramSecretToken: "_TG"))
        XCTAssertEqual(loaded.config.serve, expected)
        XCTAssertEqual(loaded.config.serve.intents[1].template, nil)
    }

    /// The example from the serve brief: large integer buckets are fine.
    func testLargeRateLimitValidates() throws {
        let c = try parse("version: 1\nserve:\n  rate_limit:\n    tokens: 1000\n    refill_per_second: 1000\n").config
        XCTAssertEqual(c.serve.rateLimit, .init(tokens: 1000, refillPerSecond: 1000))
        XCTAssertEqual(c.serve.queue, .defaults)
    }

    func testRangeErrorsWithLines() {
        let cases: [(line: Int, text: String, fragments: [String])] = [
            (3, "  host: http://example.com", ["serve.host must be a host name or IP address", "not a URL"]),
            (3, "  host: 0.0.0.0:8787", ["serve.host", "the port in serve.port"]),
            (3, "  host: \"[::1]\"", ["serve.host"]),
            (3, "  host: my host", ["serve.host", "'my host'"]),
            (3, "  host:", ["serve.host", "got nothing"]),
            (4, "  port: 65536", ["serve.port must be an integer from 0 to 65535", "got '65536'"]),
            (4, "  port: -1", ["serve.port must be an integer from 0 to 65535", "'-1'"]),
            (4, "  port: http", ["serve.port", "'http'"]),
            (4, "  port: 80.5", ["serve.port must be an integer"]),
            (5, "  workers: 0", ["serve.workers must be an integer from 1 to 64, got '0'"]),
            (5, "  workers: 65", ["serve.workers must be an integer from 1 to 64, got '65'"]),
            (6, "  body_limit_bytes: 1023", ["serve.body_limit_bytes must be an integer number of bytes from 1024 to 16777216"]),
            (6, "  body_limit_bytes: 16777217", ["serve.body_limit_bytes", "'16777217'"]),
            (6, "  body_limit_bytes: 99999999999999999999999", ["serve.body_limit_bytes", "too large"]),
            (7, "  max_json_depth: 0", ["serve.max_json_depth must be an integer from 1 to 256, got '0'"]),
            (7, "  max_json_depth: 257", ["serve.max_json_depth must be an integer from 1 to 256, got '257'"]),
            (8, "  max_string_bytes: 0", ["serve.max_string_bytes must be an integer number of bytes ≥ 1, got '0'"]),
            (9, "  max_headers: 7", ["serve.max_headers must be an integer from 8 to 1000, got '7'"]),
            (9, "  max_headers: 1001", ["serve.max_headers must be an integer from 8 to 1000, got '1001'"]),
            (10, "  max_connections: 0", ["serve.max_connections must be an integer ≥ 1, got '0'"]),
            (11, "  request_timeout_seconds: 0", ["serve.request_timeout_seconds must be a number of seconds > 0, got '0'"]),
            (11, "  request_timeout_seconds: .inf", ["serve.request_timeout_seconds"]),
            (12, "  idle_timeout_seconds: -1", ["serve.idle_timeout_seconds must be a number of seconds > 0, got '-1'"]),
            (13, "  grace_period_seconds: -0.5", ["serve.grace_period_seconds must be a number of seconds ≥ 0, got '-0.5'"]),
            (14, "  retention_days: 0", ["serve.retention_days must be an integer number of days ≥ 1, got '0'"]),
            (14, "  retention_days: 1.5", ["serve.retention_days must be an integer"]),
            (16, "    tokens: 0.5", ["serve.rate_limit.tokens must be a number ≥ 1, got '0.5'"]),
            (16, "    tokens: many", ["serve.rate_limit.tokens", "'many'"]),
            (17, "    refill_per_second: 0", ["serve.rate_limit.refill_per_second must be a number of tokens per second > 0"]),
            (17, "    refill_per_second: 1e999", ["serve.rate_limit.refill_per_second", "too large"]),
            (19, "    per_user: 0", ["serve.queue.per_user must be an integer ≥ 1, got '0'"]),
            (20, "    per_channel: 0", ["serve.queue.per_channel must be an integer ≥ 1, got '0'"]),
            (21, "    max_depth: -5", ["serve.queue.max_depth must be an integer ≥ 1, got '-5'"]),
            (23, "    - slack", ["serve.approvers entry 'slack' must be 'channel:user'"]),
            (23, "    - \":U1\"", ["serve.approvers entry ':U1' must start with a channel"]),
            (23, "    - \"sl ack:U1\"", ["must start with a channel"]),
            (23, "    - \"slack:\"", ["serve.approvers entry 'slack:' must have a user id after the ':'"]),
            (23, "    - \"slack:U 1\"", ["must have a user id", "no spaces"]),
            (23, "    - [slack, U1]", ["serve.approvers must be a list of 'channel:user' entries", "got a list"]),
            (23, "    - 42", ["must be 'channel:user'"]),
            (27, "    - check docs", ["serve.intents[0] must be a mapping with the keys match, intent"]),
            (27, "    - {match: \"check docs\", intent: template}", ["serve.intents[0] has intent 'template' but no 'template'"]),
            (27, "    - {intent: help}", ["serve.intents[0] has no 'match'"]),
            (27, "    - {match: x}", ["serve.intents[0] has no 'intent'", "'help', 'status'"]),
            (27, "    - {match: \"  \", intent: help}", ["serve.intents[0].match must be a phrase", "only spaces"]),
            (27, "    - {match: \"\", intent: help}", ["serve.intents[0].match", "empty string"]),
            (27, "    - {match: true, intent: help}", ["serve.intents[0].match", "boolean"]),
            (27, "    - {match: x, intent: template, template: \"../etc\"}", ["serve.intents[0].template must be a template id"]),
            (27, "    - {match: x, intent: template, template: \"-x\"}", ["serve.intents[0].template must be a template id"]),
            (27, "    - {match: x, intent: run}", ["serve.intents[0].intent must be one of 'help', 'status', 'audit', 'history', 'dashboard', 'template', got 'run'"]),
            (27, "    - {match: x, intent: hlep}", ["(did you mean 'help'?)"]),
            (28, "    - match: check docs", ["serve.intents[1].match 'check docs' is already the phrase of serve.intents[0] (line 27)"]),
            (28, "    - match: CHECK Docs", ["is already the phrase of serve.intents[0]"]),
            (29, "      intent: template", ["serve.intents[1] has intent 'template' but no 'template'"]),  // reported at the item
            (31, "    token_env: my_token", ["serve.secrets.token_env must be the name of an environment variable", "never in config.yaml"]),
            (31, "    token_env: 1TOKEN", ["serve.secrets.token_env must be the name of an environment variable"]),
            (31, "    token_env: \"A-B\"", ["serve.secrets.token_env"]),
            (31, "    token_env:", ["serve.secrets.token_env"]),
            (32, "    webhook_secret_env: [X]", ["serve.secrets.webhook_secret_env"]),
            (33, "    slack_signing_secret_env: 12", ["serve.secrets.slack_signing_secret_env"]),
            (34, "    telegram_secret_token_env: true", ["serve.secrets.telegram_secret_token_env"]),
        ]
        for c in cases {
            // A missing key of an intent is reported where its item starts.
            let line = c.text.hasPrefix("      intent:") ? c.line - 1 : c.line
            assertConfigError(serveConfig(replacingLine: c.line, with: c.text), line: line, c.fragments)
        }
    }

    func testWrongShapes() {
        assertConfigError("version: 1\nserve: 8787\n", line: 2, ["serve must be a mapping with the keys host, port"])
        assertConfigError("version: 1\nserve:\n  rate_limit: 5\n", line: 3,
                          ["serve.rate_limit must be a mapping with the keys tokens, refill_per_second, got '5'"])
        assertConfigError("version: 1\nserve:\n  queue: [1]\n", line: 3, ["serve.queue must be a mapping", "got a list"])
        assertConfigError("version: 1\nserve:\n  approvers: slack:U1\n", line: 3,
                          ["serve.approvers must be a list of 'channel:user' entries", "got 'slack:U1'"])
        assertConfigError("version: 1\nserve:\n  intents: help\n", line: 3, ["serve.intents must be a list of mappings"])
        assertConfigError("version: 1\nserve:\n  intents:\n    -\n", line: 4, ["serve.intents[0] must be a mapping", "got nothing"])
        assertConfigError("version: 1\nserve:\n  secrets: [a]\n", line: 3, ["serve.secrets must be a mapping with the keys token_env"])
    }

    func testTemplateOnlyWithTemplateIntent() {
        assertConfigError(serveConfig(replacingLine: 27, with: "    - {match: x, intent: help,\n       template: docs-link-check}"),
                          line: 28, ["serve.intents[0].template is only allowed with intent 'template' (this intent is 'help')"])
    }

    func testSecretValuesAreNotRepeatedInMessages() {
        let yaml = serveConfig(replacingLine: 31, with: "    token_env: s3cr3t-value-xyz")
        XCTAssertThrowsError(try parse(yaml)) { e in
            let message = (e as? ConfigError)?.message ?? ""
            XCTAssertFalse(message.contains("s3cr3t"), message)
            XCTAssertEqual((e as? ConfigError)?.line, 31)
        }
    }

    func testValidEdgeValues() throws {
        func serve(_ line: Int, _ text: String) throws -> Serve { try parse(serveConfig(replacingLine: line, with: text)).config.serve }
        XCTAssertEqual(try serve(3, "  host: localhost").host, "localhost")
        XCTAssertEqual(try serve(3, "  host: \"::1\"").host, "::1")
        XCTAssertEqual(try serve(3, "  host: fd00::1:2").host, "fd00::1:2")
        XCTAssertEqual(try serve(4, "  port: 0").port, 0)
        XCTAssertEqual(try serve(4, "  port: 65535").port, 65535)
        XCTAssertEqual(try serve(5, "  workers: 1").workers, 1)
        XCTAssertEqual(try serve(5, "  workers: 64").workers, 64)
        XCTAssertEqual(try serve(6, "  body_limit_bytes: 1024").bodyLimitBytes, 1024)
        XCTAssertEqual(try serve(6, "  body_limit_bytes: 16777216").bodyLimitBytes, 16_777_216)
        XCTAssertEqual(try serve(7, "  max_json_depth: 256").maxJSONDepth, 256)
        XCTAssertEqual(try serve(7, "  max_json_depth: 1").maxJSONDepth, 1)
        XCTAssertEqual(try serve(8, "  max_string_bytes: 1").maxStringBytes, 1)
        XCTAssertEqual(try serve(9, "  max_headers: 8").maxHeaders, 8)
        XCTAssertEqual(try serve(9, "  max_headers: 1000").maxHeaders, 1000)
        XCTAssertEqual(try serve(10, "  max_connections: 1").maxConnections, 1)
        XCTAssertEqual(try serve(11, "  request_timeout_seconds: 1e-3").requestTimeoutSeconds, 0.001)
        XCTAssertEqual(try serve(12, "  idle_timeout_seconds: 5").idleTimeoutSeconds, 5)
        XCTAssertEqual(try serve(13, "  grace_period_seconds: 2.5").gracePeriodSeconds, 2.5)
        XCTAssertEqual(try serve(14, "  retention_days: 1").retentionDays, 1)
        XCTAssertEqual(try serve(16, "    tokens: 1").rateLimit.tokens, 1)
        XCTAssertEqual(try serve(16, "    tokens: 2.5").rateLimit.tokens, 2.5)
        XCTAssertEqual(try serve(17, "    refill_per_second: 3").rateLimit.refillPerSecond, 3)
        XCTAssertEqual(try parse("version: 1\nserve:\n  approvers: []\n  intents:\n").config.serve, .defaults)
        XCTAssertEqual(try serve(22, "  approvers:\n    - slack:U123\n    - slack:U123").approvers.count, 3, "duplicates dropped")
        XCTAssertEqual(try serve(23, "    - \"a.b_c-d:x:y\"").approvers.first, .init(channel: "a.b_c-d", user: "x:y"))
        XCTAssertEqual(try serve(27, "    - {match: 42, intent: history}").intents.first, .init(match: "42", kind: .history))
        XCTAssertEqual(try serve(31, "    token_env: \"A\"").secrets.token, "A")
    }

    func testDidYouMean() {
        assertConfigError("version: 1\nsever:\n  port: 1\n", line: 2, ["unknown key 'sever'", "(did you mean 'serve'?)"])
        assertConfigError(serveConfig(replacingLine: 4, with: "  prot: 9000"), line: 4,
                          ["unknown key 'prot' in serve", "(did you mean 'port'?)"])
        assertConfigError(serveConfig(replacingLine: 6, with: "  body_limit: 2048"), line: 6,
                          ["in serve", "(did you mean 'body_limit_bytes'?)"])
        assertConfigError(serveConfig(replacingLine: 15, with: "  ratelimit:"), line: 15, ["(did you mean 'rate_limit'?)"])
        assertConfigError(serveConfig(replacingLine: 17, with: "    refill_per_sec: 1"), line: 17,
                          ["unknown key 'refill_per_sec' in serve.rate_limit", "(did you mean 'refill_per_second'?)"])
        assertConfigError(serveConfig(replacingLine: 19, with: "    peruser: 1"), line: 19,
                          ["in serve.queue", "(did you mean 'per_user'?)"])
        assertConfigError(serveConfig(replacingLine: 31, with: "    token: MY_TOKEN"), line: 31,
                          ["in serve.secrets", "(did you mean 'token_env'?)"])
        assertConfigError(serveConfig(replacingLine: 29, with: "      intnet: audit"), line: 29,
                          ["unknown key 'intnet' in serve.intents[1]", "(did you mean 'intent'?)"])
        assertConfigError(serveConfig(replacingLine: 14, with: "  plugins: 1"), line: 14,
                          ["unknown key 'plugins' in serve; allowed keys here:", "approvers", "workers"])
        assertConfigError("version: 1\nserve:\n  port: 1\n  port: 2\n", line: 3, ["duplicate key 'port'"])
    }

    // MARK: - Digest, JSON, rendering

    /// The digest recorded in existing run records (docs, .sdetkit-example) for the default configuration.
    static let defaultDigestBeforeServe = "9651d9bff13f40619f1cd96063a7e430d62a08d2c99be24e464091af064952cd"

    func testServeDoesNotChangeTheDigest() throws {
        XCTAssertEqual(AgentConfig.defaults.digest, Self.defaultDigestBeforeServe)
        let loaded = try parse(serveConfig).config
        XCTAssertNotEqual(loaded, AgentConfig.defaults)
        XCTAssertEqual(loaded.digest, Self.defaultDigestBeforeServe)
        var changed = AgentConfig.defaults
        changed.serve.port = 1
        changed.serve.approvers = [.init(channel: "slack", user: "U1")]
        XCTAssertEqual(changed.digest, Self.defaultDigestBeforeServe)
        changed.budgets.maxSteps = 3
        XCTAssertNotEqual(changed.digest, Self.defaultDigestBeforeServe, "other sections still count")
        // The digest is the hash of the JSON without `serve` (and without `audit` while it is the default).
        guard case .object(var members) = loaded.json else { return XCTFail("json is an object") }
        XCTAssertNotNil(members.removeValue(forKey: "serve"))
        XCTAssertNotNil(members.removeValue(forKey: "audit"))
        // …and without the sandbox settings while they are the default (landlock, no network).
        if case .object(var safety)? = members["safety"] {
            XCTAssertEqual(safety.removeValue(forKey: "sandbox"), "landlock")
            XCTAssertEqual(safety.removeValue(forKey: "shell_network"), false)
            members["safety"] = .object(safety)
        }
        XCTAssertEqual(loaded.digest, Digest.sha256Hex(CanonicalJSON.encode(.object(members))))
    }

    func testJSONIncludesServe() throws {
        let json = try parse(serveConfig).config.json
        XCTAssertEqual(json["serve"]?["host"], "0.0.0.0")
        XCTAssertEqual(json["serve"]?["port"], 9000)
        XCTAssertEqual(json["serve"]?["request_timeout_seconds"], 2.5)
        XCTAssertEqual(json["serve"]?["rate_limit"]?["refill_per_second"], 0.2)
        XCTAssertEqual(json["serve"]?["queue"]?["max_depth"], 50)
        XCTAssertEqual(json["serve"]?["approvers"], ["slack:U123", "telegram:42", "generic:alice"])
        XCTAssertEqual(json["serve"]?["intents"], [["match": "check docs", "intent": "template", "template": "docs-link-check"],
                                                   ["match": "Проверка", "intent": "audit"]])
        XCTAssertEqual(json["serve"]?["secrets"]?["token_env"], "MY_TOKEN")
        XCTAssertEqual(json["serve"]?["secrets"]?["telegram_secret_token_env"], "_TG")
        let keys: Set<String>
        if case .object(let o)? = json["serve"] { keys = Set(o.keys) } else { keys = [] }
        XCTAssertEqual(keys, Set(ConfigLoader.ServeKeys.serve))
    }

    var oddServe: Serve {
        Serve(host: "::1", port: 0, workers: 64, bodyLimitBytes: 1024, maxJSONDepth: 1, maxStringBytes: 1, maxHeaders: 1000,
              maxConnections: 1, requestTimeoutSeconds: 1e-7, idleTimeoutSeconds: 0.125, gracePeriodSeconds: 0, retentionDays: 3650,
              rateLimit: .init(tokens: 1000, refillPerSecond: 0.2), queue: .init(perUser: 7, perChannel: 8, maxDepth: 9),
              approvers: [.init(channel: "slack", user: "U123"), .init(channel: "telegram", user: "-100"),
                          .init(channel: "generic", user: "a:b#c"), .init(channel: "x", user: "true")],
              intents: [.init(match: "check docs", kind: .template, template: "docs-link-check"),
                        .init(match: "проверка", kind: .audit), .init(match: "null", kind: .help),
                        .init(match: "a, b: {c}", kind: .status), .init(match: "10", kind: .template, template: "1.x")],
              secrets: .init(token: "NULL", webhookSecret: "_", slackSigningSecret: "Y", telegramSecretToken: "TRUE"))
    }

    func testRenderRoundTrips() throws {
        var odd = AgentConfig.defaults
        odd.serve = oddServe
        for config in [AgentConfig.defaults, odd] {
            for commented in [true, false] {
                let text = ConfigRenderer.render(config, commented: commented)
                let loaded = try ConfigLoader.parse(yaml: text, displayName: "config.yaml")
                XCTAssertEqual(loaded.config, config, text)
                XCTAssertEqual(loaded.warnings, [])
            }
        }
        let parsed = try parse(serveConfig).config
        XCTAssertEqual(try parse(ConfigRenderer.render(parsed, commented: false)).config, parsed)
    }

    func testRenderedServeSection() {
        let bare = ConfigRenderer.render(.defaults, commented: false)
        XCTAssertTrue(bare.hasSuffix("""
        serve:
          host: "127.0.0.1"
          port: 8787
          workers: 2
          body_limit_bytes: 65536
          max_json_depth: 32
          max_string_bytes: 16384
          max_headers: 64
          max_connections: 512
          request_timeout_seconds: 10
          idle_timeout_seconds: 60
          grace_period_seconds: 10
          retention_days: 30
          rate_limit:
            tokens: 20
            refill_per_second: 1
          queue:
            per_user: 1
            per_channel: 2
            max_depth: 1000
          approvers: []
          intents: []
          secrets:
            token_env: SDETKIT_SERVE_TOKEN
            webhook_secret_env: SDETKIT_WEBHOOK_SECRET
            slack_signing_secret_env: SDETKIT_SLACK_SIGNING_SECRET
            telegram_secret_token_env: SDETKIT_TELEGRAM_SECRET_TOKEN

        """), bare)
        var c = AgentConfig.defaults
        c.serve.intents = [.init(match: "check docs", kind: .template, template: "docs-link-check")]
        c.serve.approvers = [.init(channel: "slack", user: "U123")]
        let text = ConfigRenderer.render(c, commented: false)
        XCTAssertTrue(text.contains("  approvers:\n    - slack:U123\n"), text)
        XCTAssertTrue(text.contains("  intents:\n    - {match: \"check docs\", intent: template, template: docs-link-check}\n"), text)
        let commented = ConfigRenderer.render(.defaults, commented: true)
        XCTAssertTrue(commented.contains("#     - {match: \"проверка\", intent: audit}\n"), commented)
        XCTAssertTrue(commented.contains("#     - slack:U0123ABCD\n"), commented)
        // The commented examples are themselves valid.
        let example = "version: 1\nserve:\n  approvers:\n    - slack:U0123ABCD\n    - telegram:42\n  intents:\n"
            + "    - {match: \"check docs\", intent: template, template: docs-link-check}\n    - {match: \"проверка\", intent: audit}\n"
        XCTAssertEqual(try parse(example).config.serve.intents.count, 2)
    }
}
