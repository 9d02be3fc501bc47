import XCTest
import SdetkitCore
@testable import SdetkitConfig

final class RenderMigrateTests: XCTestCase {
    var odd: AgentConfig {
        AgentConfig(
            budgets: .init(maxSteps: 1, maxActions: 99),
            provider: .init(type: .local, endpoint: "https://h:1/p?q=#f", model: "yes", timeoutSeconds: 0.125),
            safety: .init(writeAllowlist: ["docs", "a b/c:d", "true", "10", "-x", "#c", "é"],
                          shellAllowlist: [["git", "status"], ["echo", "a b", "", "'q\"", "null", "1", "x: y", "[z]", "\u{7}"]],
                          shellTimeoutSeconds: 1e-7, maxOutputBytes: 0),
            slo: .init(successRate: 0, p95DurationMs: 123_456))
    }

    func testRenderRoundTrips() throws {
        for config in [AgentConfig.defaults, odd] {
            for commented in [true, false] {
                let text = ConfigRenderer.render(config, commented: commented)
                let loaded = try ConfigLoader.parse(yaml: text, displayName: "config.yaml")
                XCTAssertEqual(loaded.config, config, text)
                XCTAssertFalse(loaded.isLegacy)
                XCTAssertEqual(loaded.warnings, [])
            }
        }
    }

    func testInitFileContents() {
        let text = AgentConfig.render(.defaults, commented: true)
        XCTAssertTrue(text.contains("version: 1\n"))
        XCTAssertTrue(text.contains("  write_allowlist:\n    - .sdetkit/agent/workdir\n"))
        XCTAssertTrue(text.contains("  shell_allowlist: []\n"))
        XCTAssertTrue(text.contains("#     - git status\n"), "commented example")
        // A comment above every key.
        let lines = text.components(separatedBy: "\n")
        for (i, line) in lines.enumerated() where !line.trimmingCharacters(in: .whitespaces).hasPrefix("#")
            && !line.trimmingCharacters(in: .whitespaces).hasPrefix("-") && line.contains(":") {
            XCTAssertTrue(i > 0 && lines[i - 1].trimmingCharacters(in: .whitespaces).hasPrefix("#"), "no comment above: \(line)")
        }
        let bare = AgentConfig.render(.defaults, commented: false)
        XCTAssertFalse(bare.contains("#"))
    }

    func testJSONAndDigest() {
        let json = AgentConfig.defaults.json
        XCTAssertEqual(json["version"], 1)
        XCTAssertEqual(json["budgets"]?["max_steps"], 20)
        XCTAssertEqual(json["safety"]?["write_allowlist"], [".sdetkit/agent/workdir"])
        XCTAssertEqual(json["slo"]?["p95_duration_ms"], 3000)
        let d = AgentConfig.defaults.digest
        XCTAssertTrue(Digest.isHex64(d))
        XCTAssertEqual(d, AgentConfig().digest)
        XCTAssertNotEqual(d, Digest.sha256Hex(CanonicalJSON.encode(json)), "json has serve; the digest leaves it out")
        XCTAssertEqual(d, Digest.sha256Hex(CanonicalJSON.encode(.object(AgentConfig.defaults.runJSONMembers))))
        var changed = AgentConfig.defaults
        changed.safety.maxOutputBytes += 1
        XCTAssertNotEqual(changed.digest, d)
        var reordered = AgentConfig.defaults
        reordered.safety.shellAllowlist = [["a"], ["b"]]
        var other = reordered
        other.safety.shellAllowlist = [["b"], ["a"]]
        XCTAssertNotEqual(reordered.digest, other.digest)
    }

    func testDigestIsStableAcrossEquivalentFiles() throws {
        let a = try parse("version: 1\nbudgets: {max_steps: 20}\n").config
        let b = try parse("version: 1\n# comment\nslo:\n  success_rate: 0.990\n").config
        XCTAssertEqual(a.digest, AgentConfig.defaults.digest)
        XCTAssertEqual(b.digest, AgentConfig.defaults.digest)
    }

    func testMigrateKeepsBackupAndWritesValidVersion1() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/config.yaml"
        try FileSystem.writeAtomically(legacyConfig, to: path)
        let before = try ConfigLoader.load(path: path)

        let result = try ConfigMigrator.migrate(path: path)
        XCTAssertTrue(result.migrated)
        XCTAssertEqual(result.backupPath, path + ".bak")
        XCTAssertEqual(result.droppedKeys, ["roles", "budgets.token_budget"])
        XCTAssertEqual(try FileSystem.readBytes(path + ".bak"), Array(legacyConfig.utf8))
        let after = try ConfigLoader.load(path: path)
        XCTAssertFalse(after.isLegacy)
        XCTAssertEqual(after.warnings, [])
        XCTAssertEqual(after.config, before.config)
        let text = try FileSystem.readString(path)
        XCTAssertTrue(text.components(separatedBy: "\n").contains("version: 1"), text)
        XCTAssertTrue(text.contains("config.yaml.bak"))

        // Already version 1: nothing changes.
        let again = try ConfigMigrator.migrate(path: path)
        XCTAssertFalse(again.migrated)
        XCTAssertTrue(again.message.contains("already version 1"), again.message)
        XCTAssertEqual(try FileSystem.readString(path), text)
        XCTAssertFalse(FileSystem.exists(path + ".bak.1"))
    }

    func testMigrateNeverOverwritesABackup() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/config.yaml"
        try FileSystem.writeAtomically("old backup", to: path + ".bak")
        try FileSystem.writeAtomically("older backup", to: path + ".bak.1")
        try FileSystem.writeAtomically(legacyConfig, to: path)
        let result = try ConfigMigrator.migrate(path: path)
        XCTAssertEqual(result.backupPath, path + ".bak.2")
        XCTAssertEqual(try FileSystem.readString(path + ".bak"), "old backup")
        XCTAssertEqual(try FileSystem.readString(path + ".bak.1"), "older backup")
        XCTAssertEqual(try FileSystem.readString(path + ".bak.2"), legacyConfig)
    }

    func testMigrateErrors() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/config.yaml"
        XCTAssertThrowsError(try ConfigMigrator.migrate(path: path)) { e in
            XCTAssertTrue((e as? ConfigError)?.message.contains("sdetkit agent init") ?? false, "\(e)")
        }
        let broken = legacyConfig.replacingOccurrences(of: "max_steps: 8", with: "max_steps: eight")
        try FileSystem.writeAtomically(broken, to: path)
        XCTAssertThrowsError(try ConfigMigrator.migrate(path: path)) { e in
            XCTAssertEqual((e as? ConfigError)?.line, 6)
        }
        XCTAssertEqual(try FileSystem.readString(path), broken, "an invalid file is left alone")
        XCTAssertFalse(FileSystem.exists(path + ".bak"))
    }
}
