#if canImport(Glibc)
import Glibc
#endif
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
        let parent = Path.dirname(path)
        let dir = open(parent.isEmpty ? "." : parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dir >= 0 else {
            if errno == ENOENT { throw noConfig(path) }
            throw ConfigError.migrationFailed(path: path, reason: FileSystem.describe(errno: errno))
        }
        defer { close(dir) }
        do {
            return try migrate(Path.basename(path), in: dir, path: path, root: nil)
        } catch let error as ConfigError {
            throw error
        } catch {
            throw ConfigError.migrationFailed(path: path, reason: "\(error)")
        }
    }

    /// Migrates the repository's own `.sdetkit/agent/config.yaml`: its directory is opened beneath the repository
    /// root with no symbolic link followed (``BeneathRoot``), and the file, its backup and its replacement are
    /// read and written relative to that descriptor, never through a link (one on the way, or at the file's
    /// name, is an error naming it). Otherwise as ``migrate(path:)``.
    public static func migrate(layout: StateLayout) throws -> MigrationResult {
        let root = try BeneathRoot(path: layout.repoRoot)
        let dir = root.rawOpen(StateLayout.relAgent, flags: O_RDONLY | O_DIRECTORY)
        guard dir >= 0 else {
            if -dir == ELOOP || -dir == EXDEV { throw root.error(-dir, StateLayout.relAgent, "cannot open") }
            if -dir == ENOENT { throw noConfig(layout.configPath) }
            throw ConfigError.migrationFailed(path: layout.configPath, reason: FileSystem.describe(errno: -dir))
        }
        defer { close(dir) }
        return try migrate(Path.basename(StateLayout.relConfig), in: dir, path: layout.configPath, root: root)
    }

    static func noConfig(_ path: String) -> ConfigError {
        ConfigError.migrationFailed(path: path, reason: "there is no config file; run 'sdetkit agent init' to create one")
    }

    /// The migration of `name` in the directory `dir` (`path`: how it is named in messages). With `root`, the
    /// file is opened with `O_NOFOLLOW` and a link there is `root`'s error naming it; without, it is followed.
    static func migrate(_ name: String, in dir: Int32, path: String, root: BeneathRoot?) throws -> MigrationResult {
        let fd = root == nil ? openat(dir, name, O_RDONLY | O_CLOEXEC) : BeneathRoot.openFile(name, in: dir)
        let openErrno = root == nil ? errno : -fd
        guard fd >= 0 else {
            if let root, openErrno == ELOOP { throw root.error(ELOOP, Path.relative(path, to: root.path) ?? name, "cannot read") }
            if openErrno == ENOENT { throw noConfig(path) }
            throw ConfigError.unreadable(path: path, reason: FileSystem.describe(errno: openErrno))
        }
        let text: String
        do {
            defer { close(fd) }
            text = try ConfigLoader.readText(fd: fd, path: path, displayName: name)
        }
        let loaded = try ConfigLoader.parse(yaml: text, displayName: name)
        guard loaded.isLegacy else {
            return MigrationResult(path: path, migrated: false, backupPath: nil, droppedKeys: [],
                                   message: "\(name) is already version \(AgentConfig.currentVersion); nothing to migrate")
        }

        // Find a free backup name and claim it (link-based create: never overwrites an earlier backup), in `dir`.
        let original = Array(text.utf8)
        var backup: String?
        for n in 0..<1000 {
            let suffix = n == 0 ? ".bak" : ".bak.\(n)"
            let candidate = name + suffix
            if BeneathRoot.statEntry(candidate, in: dir) != nil { continue }
            do throws(SdetkitError) {
                if try BeneathRoot.writeFile(original, named: candidate, in: dir, placement: .createOnly,
                                             shown: path + suffix) {
                    backup = path + suffix
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
        do throws(SdetkitError) {
            try BeneathRoot.writeFile(Array(newText.utf8), named: name, in: dir, shown: path)
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
