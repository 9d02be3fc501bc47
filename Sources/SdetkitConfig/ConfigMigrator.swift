import SdetkitCore

/// What `sdetkit agent config migrate` did.
public struct MigrationResult: Sendable, Equatable {
    /// The config file.
    public let path: String
    /// False when the file was already version 1 (nothing was written).
    public let migrated: Bool
    /// Where the original bytes were kept (`config.yaml.bak`, or `.bak.N` when that exists).
    public let backupPath: String?
    /// Legacy-only keys that the new file no longer has (`roles`, `budgets.token_budget`).
    public let droppedKeys: [String]
    /// One line for the user.
    public let message: String
}

/// Rewrites a legacy (unversioned) config as version 1.
public enum ConfigMigrator {
    /// Migrates the config at `path` in place: the original bytes are copied to a new backup beside it first,
    /// then the version 1 file replaces the original atomically. A version 1 file is left alone.
    /// Every effective value is kept; only the ignored legacy keys disappear.
    public static func migrate(path: String) throws(ConfigError) -> MigrationResult {
        let name = Path.basename(path)
        guard let text = try ConfigLoader.readText(path: path, displayName: name) else {
            throw ConfigError.migrationFailed(path: path, reason: "there is no config file; run 'sdetkit agent init' to create one")
        }
        let loaded = try ConfigLoader.parse(yaml: text, displayName: name)
        guard loaded.isLegacy else {
            return MigrationResult(path: path, migrated: false, backupPath: nil, droppedKeys: [],
                                   message: "\(name) is already version \(AgentConfig.currentVersion); nothing to migrate")
        }

        // Find a free backup name and claim it (link-based create: never overwrites an earlier backup).
        let original = Array(text.utf8)
        var backup: String?
        for n in 0..<1000 {
            let candidate = n == 0 ? "\(path).bak" : "\(path).bak.\(n)"
            if FileSystem.exists(candidate) || FileSystem.isSymlink(candidate) { continue }
            do {
                if try FileSystem.createAtomically(original, at: candidate, mode: 0o644) {
                    backup = candidate
                    break
                }
            } catch {
                throw ConfigError.migrationFailed(path: path, reason: "cannot write the backup: \(error.message); nothing was changed")
            }
        }
        guard let backup else {
            throw ConfigError.migrationFailed(path: path, reason: "too many backups beside it (\(name).bak … \(name).bak.999); remove old ones")
        }

        let newText = migratedText(loaded.config, backupName: Path.basename(backup), dropped: loaded.ignoredLegacyKeys)
        // The new file must read back as the same configuration, in the version 1 format.
        guard let check = try? ConfigLoader.parse(yaml: newText, displayName: name), !check.isLegacy,
              check.config == loaded.config else {
            throw ConfigError.migrationFailed(path: path, reason: "the migrated file did not validate (a bug in sdetkit); nothing was changed")
        }
        do {
            try FileSystem.writeAtomically(newText, to: path)
        } catch {
            throw ConfigError.migrationFailed(path: path, reason: "\(error.message); the original is unchanged (a copy is in \(backup))")
        }
        var message = "migrated \(name) to version \(AgentConfig.currentVersion); the original is kept as \(Path.basename(backup))"
        if !loaded.ignoredLegacyKeys.isEmpty {
            message += "; dropped ignored legacy keys: \(loaded.ignoredLegacyKeys.joined(separator: ", "))"
        }
        return MigrationResult(path: path, migrated: true, backupPath: backup, droppedKeys: loaded.ignoredLegacyKeys,
                               message: message)
    }

    /// The version 1 text written by ``migrate(path:)``: a note about the migration, then the commented config.
    static func migratedText(_ config: AgentConfig, backupName: String, dropped: [String]) -> String {
        var header = "# Migrated from the legacy (unversioned) format by 'sdetkit agent config migrate'.\n"
        header += "# The original file is kept as \(backupName).\n"
        if !dropped.isEmpty {
            header += "# Dropped keys the legacy format ignored: \(dropped.joined(separator: ", ")).\n"
        }
        return header + "\n" + ConfigRenderer.render(config, commented: true)
    }
}
