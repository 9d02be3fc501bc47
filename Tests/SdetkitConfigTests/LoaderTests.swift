import XCTest
import SdetkitCore
@testable import SdetkitConfig

final class LoaderTests: XCTestCase {
    func testDefaults() {
        let d = AgentConfig.defaults
        XCTAssertEqual(d.budgets.maxSteps, 20)
        XCTAssertEqual(d.budgets.maxActions, 10)
        XCTAssertEqual(d.provider.type, .none)
        XCTAssertEqual(d.provider.endpoint, "http://127.0.0.1:11434/api/generate")
        XCTAssertEqual(d.provider.model, "llama3")
        XCTAssertEqual(d.provider.timeoutSeconds, 10)
        XCTAssertEqual(d.safety.writeAllowlist, [".sdetkit/agent/workdir"])
        XCTAssertEqual(d.safety.shellAllowlist, [])
        XCTAssertEqual(d.safety.shellTimeoutSeconds, 30)
        XCTAssertEqual(d.safety.maxOutputBytes, 65536)
        XCTAssertEqual(d.slo.successRate, 0.99)
        XCTAssertEqual(d.slo.p95DurationMs, 3000)
    }

    func testVersionOnlyGivesDefaults() throws {
        let loaded = try parse("version: 1\n")
        XCTAssertEqual(loaded.config, .defaults)
        XCTAssertFalse(loaded.isLegacy)
        XCTAssertEqual(loaded.warnings, [])
    }

    func testEmptySectionsGiveDefaults() throws {
        let loaded = try parse("version: 1\nbudgets:\nprovider: {}\nsafety:\nslo: ~\n")
        XCTAssertEqual(loaded.config, .defaults)
    }

    func testEmptyFileGivesDefaultsWithWarning() throws {
        let loaded = try parse("# nothing here\n")
        XCTAssertEqual(loaded.config, .defaults)
        XCTAssertFalse(loaded.isLegacy)
        XCTAssertEqual(loaded.warnings.count, 1)
    }

    func testFullConfig() throws {
        let loaded = try parse(fullConfig)
        let c = loaded.config
        XCTAssertFalse(loaded.isLegacy)
        XCTAssertEqual(loaded.warnings, [])
        XCTAssertEqual(c.budgets, .init(maxSteps: 8, maxActions: 4))
        XCTAssertEqual(c.provider, .init(type: .local, endpoint: "http://127.0.0.1:11434/api/generate", model: "llama3",
                                         timeoutSeconds: 2.5))
        XCTAssertEqual(c.safety.writeAllowlist, [".sdetkit/agent/workdir", "docs"])
        XCTAssertEqual(c.safety.shellAllowlist, [["git", "status"], ["git", "log", "-n", "5"]])
        XCTAssertEqual(c.safety.shellTimeoutSeconds, 2)
        XCTAssertEqual(c.safety.maxOutputBytes, 4096)
        XCTAssertEqual(c.slo, .init(successRate: 0.95, p95DurationMs: 5000))
    }

    func testMissingFileGivesDefaults() throws {
        let loaded = try ConfigLoader.load(path: "/tmp/definitely-not-here-\(getpid())/config.yaml")
        XCTAssertFalse(loaded.exists)
        XCTAssertEqual(loaded.config, .defaults)
    }

    func testLoadFromFile() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/config.yaml"
        try FileSystem.writeAtomically(fullConfig, to: path)
        let loaded = try ConfigLoader.load(path: path)
        XCTAssertTrue(loaded.exists)
        XCTAssertEqual(loaded.path, path)
        XCTAssertEqual(loaded.config.budgets.maxSteps, 8)
    }

    func testDirectoryAndBadUTF8AreErrors() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        XCTAssertThrowsError(try ConfigLoader.load(path: dir)) { e in
            XCTAssertTrue((e as? ConfigError)?.message.contains("directory") ?? false, "\(e)")
        }
        let path = dir + "/config.yaml"
        try FileSystem.writeAtomically(Array("version: 1\nprovider:\n  model: \"x".utf8) + [0xFF, 0x22, 0x0A], to: path)
        XCTAssertThrowsError(try ConfigLoader.load(path: path)) { e in
            XCTAssertEqual((e as? ConfigError)?.line, 3)
            XCTAssertTrue((e as? ConfigError)?.message.contains("UTF-8") ?? false, "\(e)")
        }
    }

    // MARK: - Type and range errors, each with its line

    func testTypeAndRangeErrors() {
        let cases: [(line: Int, text: String, fragments: [String])] = [
            (1, "version: 2", ["version must be 1", "'2'"]),
            (1, "version: one", ["version must be 1"]),
            (3, "  max_steps: lots", ["budgets.max_steps must be an integer ≥ 1, got 'lots'"]),
            (3, "  max_steps: 0", ["budgets.max_steps must be an integer ≥ 1, got '0'"]),
            (3, "  max_steps: 2.5", ["budgets.max_steps must be an integer"]),
            (3, "  max_steps: 99999999999999999999999", ["too large"]),
            (3, "  max_steps: \"8\"", ["budgets.max_steps must be an integer"]),
            (4, "  max_actions: [1]", ["budgets.max_actions must be an integer ≥ 1, got a list"]),
            (4, "  max_actions: -1", ["budgets.max_actions", "'-1'"]),
            (6, "  type: remote", ["provider.type must be one of 'none', 'local', got 'remote'"]),
            (6, "  type: nonee", ["did you mean 'none'?"]),
            (6, "  type: 3", ["provider.type"]),
            (7, "  endpoint: ftp://example.com/x", ["provider.endpoint must be an http:// or https:// URL"]),
            (7, "  endpoint: http://", ["provider.endpoint"]),
            (7, "  endpoint: {a: b}", ["provider.endpoint", "got a mapping"]),
            (8, "  model:", ["provider.model", "got nothing"]),
            (8, "  model: true", ["provider.model", "boolean"]),
            (8, "  model: \"\"", ["provider.model", "empty"]),
            (9, "  timeout_seconds: 0", ["provider.timeout_seconds must be a number of seconds > 0, got '0'"]),
            (9, "  timeout_seconds: soon", ["provider.timeout_seconds"]),
            (9, "  timeout_seconds: 1e999", ["too large"]),
            (9, "  timeout_seconds: .inf", ["provider.timeout_seconds"]),
            (12, "    - /etc", ["safety.write_allowlist entry '/etc' is an absolute path"]),
            (12, "    - docs/../../x", ["'..'"]),
            (12, "    - ~/notes", ["home directory"]),
            (12, "    - .", ["whole repository"]),
            (12, "    - [a]", ["safety.write_allowlist", "got a list"]),
            (14, "  shell_allowlist: git status", ["safety.shell_allowlist must be a list of commands"]),
            (15, "    - git 'status", ["unclosed single quote"]),
            (15, "    - git status | cat", ["'|'", "never run through a shell"]),
            (15, "    - \"  \"", ["is empty"]),
            (15, "    - {git: status}", ["safety.shell_allowlist", "got a mapping"]),
            (16, "    - []", ["empty command"]),
            (16, "    - [git, ~]", ["every word must be text"]),
            (17, "  shell_timeout_seconds: -3", ["safety.shell_timeout_seconds must be a number of seconds > 0"]),
            (18, "  max_output_bytes: -1", ["safety.max_output_bytes must be an integer ≥ 0, got '-1'"]),
            (18, "  max_output_bytes: many", ["safety.max_output_bytes"]),
            (20, "  success_rate: 1.5", ["slo.success_rate must be a fraction from 0 to 1", "'1.5'"]),
            (20, "  success_rate: high", ["slo.success_rate"]),
            (21, "  p95_duration_ms: 0", ["slo.p95_duration_ms must be an integer number of milliseconds > 0"]),
            (21, "  p95_duration_ms: 1.5", ["slo.p95_duration_ms"]),
        ]
        for c in cases {
            assertConfigError(fullConfig(replacingLine: c.line, with: c.text), line: c.line, c.fragments)
        }
    }

    func testWrongShapes() {
        assertConfigError("version: 1\nsafety:\n  write_allowlist: docs\n", line: 3,
                          ["safety.write_allowlist must be a list of repo-relative directories, got 'docs'"])
        assertConfigError("version: 1\nslo: fast\n", line: 2, ["slo must be a mapping with the keys", "got 'fast'"])
        assertConfigError("version: 1\nbudgets: [1, 2]\n", line: 2, ["budgets must be a mapping", "got a list"])
        assertConfigError("version: 1\nprovider:\n  - type\n", line: 3, ["provider must be a mapping"])
    }

    func testValidEdgeValues() throws {
        XCTAssertEqual(try parse(fullConfig(replacingLine: 18, with: "  max_output_bytes: 0")).config.safety.maxOutputBytes, 0)
        XCTAssertEqual(try parse(fullConfig(replacingLine: 20, with: "  success_rate: 1")).config.slo.successRate, 1)
        XCTAssertEqual(try parse(fullConfig(replacingLine: 20, with: "  success_rate: 0")).config.slo.successRate, 0)
        XCTAssertEqual(try parse(fullConfig(replacingLine: 9, with: "  timeout_seconds: 1e-3")).config.provider.timeoutSeconds, 0.001)
        XCTAssertEqual(try parse(fullConfig(replacingLine: 7, with: "  endpoint: https://user@host:8080/x?y=1"))
            .config.provider.endpoint, "https://user@host:8080/x?y=1")
        XCTAssertEqual(try parse(fullConfig(replacingLine: 8, with: "  model: 7")).config.provider.model, "7")
        XCTAssertEqual(try parse(fullConfig(replacingLine: 3, with: "  max_steps: 010")).config.budgets.maxSteps, 10)
    }

    func testValueOnNextLineReportsValueLine() {
        assertConfigError("version: 1\nbudgets:\n  max_steps:\n    lots\n", line: 4, ["budgets.max_steps"])
    }

    // MARK: - Unknown keys

    func testUnknownTopLevelKeyWithSuggestion() {
        assertConfigError(fullConfig(replacingLine: 10, with: "safty:"), line: 10,
                          ["unknown key 'safty'", "(did you mean 'safety'?)"])
        assertConfigError("version: 1\nbudget:\n  max_steps: 3\n", line: 2, ["did you mean 'budgets'?"])
        assertConfigError("version: 1\nSLO: {}\n", line: 2, ["did you mean 'slo'?"])
    }

    func testUnknownKeyWithoutSuggestionListsAllowedKeys() {
        assertConfigError("version: 1\nplugins: []\n", line: 2,
                          ["unknown key 'plugins'", "allowed keys here: audit, budgets, provider, safety, serve, slo, version"])
        assertConfigError("version: 1\ntemplates:\n  paths: [a]\n", line: 2, ["unknown key 'templates'"])
    }

    func testUnknownNestedKeyWithSuggestion() {
        assertConfigError(fullConfig(replacingLine: 3, with: "  max_step: 8"), line: 3,
                          ["unknown key 'max_step' in budgets", "did you mean 'max_steps'?"])
        assertConfigError(fullConfig(replacingLine: 17, with: "  shell_timeout: 2"), line: 17,
                          ["in safety", "did you mean 'shell_timeout_seconds'?"])
        assertConfigError(fullConfig(replacingLine: 9, with: "  timeout_second: 2"), line: 9,
                          ["in provider", "did you mean 'timeout_seconds'?"])
    }

    func testLegacyKeysAreUnknownInVersion1() {
        assertConfigError("version: 1\nroles:\n  manager: planner\n", line: 2, ["unknown key 'roles'", "legacy"])
        assertConfigError("version: 1\nbudgets:\n  token_budget: 0\n", line: 3, ["unknown key 'token_budget' in budgets"])
    }

    func testSuggestionRules() {
        XCTAssertEqual(ConfigText.suggestion(for: "safty", among: ["safety", "slo"]), "safety")
        XCTAssertEqual(ConfigText.suggestion(for: "max", among: ["max_steps", "max_actions"]), "max_actions")
        XCTAssertEqual(ConfigText.suggestion(for: "zzzzzz", among: ["safety", "slo"]), nil)
        XCTAssertEqual(ConfigText.levenshtein(Array("kitten".unicodeScalars), Array("sitting".unicodeScalars)), 3)
    }

    // MARK: - Malformed YAML

    func testMalformedYAMLHasLineAndDoesNotCrash() {
        assertConfigError("version: 1\nsafety: [unclosed\n", line: 3, ["invalid YAML", "line 2"])
        assertConfigError("version: 1\nbudgets:\n  max_steps: 1\n max_actions: 2\n", line: 4, ["invalid YAML"])
        assertConfigError("version: 1\nprovider: \"open\n", line: 3, ["invalid YAML"])
        assertConfigError("version: 1\nbudgets:\n\tmax_steps: 3\n", line: 3, ["invalid YAML", "tab", "spaces"])
        assertConfigError("version: 1\n---\nversion: 1\n", line: 2, ["invalid YAML", "more than one YAML document"])
        assertConfigError("version: 1\nbudgets: {}\nbudgets: {}\n", line: 2, ["duplicate key 'budgets'"])
        assertConfigError("version: 1\nprovider: *nothing\n", line: 2, ["invalid YAML"])
        assertConfigError("- a\n- b\n", line: 1, ["the top level must be a mapping"])
        assertConfigError("just text\n", line: 1, ["the top level must be a mapping"])
        assertConfigError("version: 1\n? [a, b]\n: c\n", line: 2, ["keys must be plain names"])
        assertConfigError(String(repeating: "[", count: 5000), line: 1, ["invalid YAML"])
    }

    func testAnchorsAndAliasesAreRefused() {
        // A cloned repository's config is input: an alias can expand exponentially (docs/config.md, "Limits").
        assertConfigError("version: 1\nbudgets: &b\n  max_steps: 3\nprovider: *b\n", line: 2, ["anchors and aliases", "write the value out"])
    }

    // MARK: - Legacy

    func testLegacyLoadsWithWarning() throws {
        let loaded = try parse(legacyConfig)
        XCTAssertTrue(loaded.isLegacy)
        XCTAssertEqual(loaded.warnings.count, 1)
        XCTAssertTrue(loaded.warnings[0].contains("legacy"), loaded.warnings[0])
        XCTAssertTrue(loaded.warnings[0].contains("sdetkit agent config migrate"), loaded.warnings[0])
        XCTAssertEqual(loaded.ignoredLegacyKeys, ["roles", "budgets.token_budget"])
        XCTAssertEqual(loaded.config.budgets, .init(maxSteps: 8, maxActions: 4))
        XCTAssertEqual(loaded.config.safety.writeAllowlist, [".sdetkit/agent/workdir"])
        XCTAssertEqual(loaded.config.safety.shellAllowlist, [])
        XCTAssertEqual(loaded.config.provider, .defaults)
    }

    func testLegacyStillRejectsTyposWithLines() {
        assertConfigError(legacyConfig.replacingOccurrences(of: "safety:", with: "safty:"), line: 13,
                          ["did you mean 'safety'?"])
        assertConfigError(legacyConfig.replacingOccurrences(of: "max_steps: 8", with: "max_steps: x"), line: 6,
                          ["budgets.max_steps"])
    }
}

final class ConfigLimitsTests: XCTestCase {
    func testAnchorsAliasesAndHugeFilesAreRefused() {
        var bomb = ["version: 1", #"x0: &a0 ["x","x","x","x","x","x","x","x","x","x"]"#]
        for i in 1..<10 { bomb.append("x\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ",") + "]") }
        assertConfigError(bomb.joined(separator: "\n") + "\n", line: 2, ["anchors and aliases"])
        assertConfigError("version: 1\nbudgets: &b {max_actions: 5}\n", line: 2, ["anchors and aliases"])
        assertConfigError("version: 1\n# " + String(repeating: "x", count: 1 << 20) + "\n", line: 1, ["limited to 1 MiB"])
    }
}
