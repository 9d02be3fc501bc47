import Synchronization
import SdetkitCore

/// The one policy engine: every file write, file read and command of sdetkit asks it first.
///
/// Each check decides from the file system as it is at that moment and appends one line to the audit log
/// (when `auditLogPath` is set) before returning. If the audit line cannot be written, the action is denied.
/// A decision that lets something act outside sdetkit's own output areas — a command, a write that needed
/// approval — is synced to disk before the check returns; every other line (reads, refusals, writes into
/// the workdir or the template output area) is synced by ``syncAuditLog()``, which
/// `Workspace.commit` calls before a run enters the history, as git syncs objects before the ref that
/// names them. See docs/security-model.md.
public final class PolicyEngine: Sendable {
    /// The repository root as an absolute real path.
    public let repoRoot: String
    public let settings: PolicySettings
    public let approval: ApprovalMode
    public let auditLogPath: String?
    public let clock: RunClock

    let rootComponents: [String]
    /// The root as the caller spelled it, for absolute paths written with that spelling.
    let givenRootComponents: [String]
    let auditLog: AuditLog?
    /// Repo-relative spelling of the audit log when it lives inside the repository.
    let auditRelative: String?
    /// Answers given at the prompt, so re-checking the same target does not ask twice.
    let answers = Mutex<[String: Bool]>([:])
    /// Set when a line has been written but perhaps not synced; cleared by ``syncAuditLog()``.
    let unsynced = Atomic<Bool>(false)
    /// Set on an engine made by ``deferringDecisions()``: the engine whose log its held lines go to.
    let parent: PolicyEngine?
    let held: HeldDecisions?
    /// Set on an engine made by ``forRun(approval:)``: the engine whose audit log (and sync state) it shares.
    let base: PolicyEngine?

    /// The engine that owns the audit log's state (unsynced lines): the one every derived engine was made from.
    var logOwner: PolicyEngine { parent ?? base ?? self }

    /// - Parameters:
    ///   - repoRoot: absolute path of the repository work tree (resolved through `realpath` again here).
    ///   - auditLogPath: where decisions are logged; absolute, or relative to `repoRoot`; nil logs nothing.
    public init(repoRoot: String, settings: PolicySettings, approval: ApprovalMode, auditLogPath: String?,
                clock: RunClock) {
        let absoluteRoot = repoRoot.hasPrefix("/") ? repoRoot : Path.join(FileSystem.currentDirectory(), repoRoot)
        let real = FileSystem.realPath(absoluteRoot) ?? PathResolver.lexicallyNormalized(absoluteRoot)
        self.repoRoot = real
        self.settings = settings
        self.approval = approval
        self.clock = clock
        rootComponents = Path.components(real)
        givenRootComponents = Path.components(PathResolver.lexicallyNormalized(absoluteRoot))
        if let given = auditLogPath {
            let abs = given.hasPrefix("/") ? given : Path.join(real, given)
            self.auditLogPath = abs
            let comps = Path.components(abs)
            var rel: String?
            if comps.starts(with: rootComponents, by: Path.same) {
                rel = comps.dropFirst(rootComponents.count).joined(separator: "/")
            } else if comps.starts(with: givenRootComponents, by: Path.same) {
                rel = comps.dropFirst(givenRootComponents.count).joined(separator: "/")
            }
            auditRelative = rel
            auditLog = AuditLog(path: abs, shownName: rel ?? Path.basename(abs))
        } else {
            self.auditLogPath = nil
            auditRelative = nil
            auditLog = nil
        }
        parent = nil
        held = nil
        base = nil
    }

    private init(deferringFor base: PolicyEngine) {
        repoRoot = base.repoRoot
        settings = base.settings
        approval = .nonInteractive
        auditLogPath = base.auditLogPath
        clock = base.clock
        rootComponents = base.rootComponents
        givenRootComponents = base.givenRootComponents
        auditLog = base.auditLog
        auditRelative = base.auditRelative
        parent = base
        held = HeldDecisions()
        self.base = nil
    }

    private init(runOf root: PolicyEngine, approval: ApprovalMode) {
        repoRoot = root.repoRoot
        settings = root.settings
        self.approval = approval
        auditLogPath = root.auditLogPath
        clock = root.clock
        rootComponents = root.rootComponents
        givenRootComponents = root.givenRootComponents
        auditLog = root.auditLog
        auditRelative = root.auditRelative
        parent = nil
        held = nil
        base = root
    }

    /// The same policy for one run, with that run's approval: what the run's requester granted (or the prompt
    /// that asks them) and its own cache of prompt answers. Nothing decided for one run is seen by another;
    /// decisions go to the same audit log and are synced by the engine this one was made from.
    public func forRun(approval: ApprovalMode) -> PolicyEngine { PolicyEngine(runOf: logOwner, approval: approval) }

    /// The same policy for one run prepared alongside others (see docs/security-model.md): decisions are
    /// made now, from the file system as it is, but their audit-log lines are held until
    /// ``releaseHeldDecisions()``, so runs prepared at the same time log in the order they are recorded. Such
    /// an engine never asks for approval: whatever needs it is refused.
    public func deferringDecisions() -> PolicyEngine { PolicyEngine(deferringFor: logOwner) }

    /// Appends the lines held by a ``deferringDecisions()`` engine to the audit log, in decision order (a
    /// no-op for any other engine); they are synced with the rest by ``syncAuditLog()`` on the engine it was
    /// made from. Lines that could not be written stay held.
    public func releaseHeldDecisions() throws(PolicyError) {
        guard let held, let parent else { return }
        let lines = held.lines.withLock { $0 }
        guard !lines.isEmpty else { return }
        if let failure = parent.appendNow(lines, durable: false) { throw PolicyError.auditLog(failure) }
        held.lines.withLock { $0.removeFirst(lines.count) }
    }

    // MARK: Checks

    /// May `action` write `path` (repo-relative, or absolute inside the repository)? Decides and logs.
    public func checkWrite(path: String, action: String) -> WriteDecision {
        let decision = decideWrite(path: path, action: action)
        return logged(decision, kind: "write", action: action, requested: .string(path))
    }

    /// May `action` read `path`? It must resolve inside the repository and not into `.git`. Never needs
    /// approval. Decides and logs.
    public func checkRead(path: String, action: String) -> WriteDecision {
        let decision: WriteDecision
        switch locate(path) {
        case .failure(let denial):
            decision = Self.deny(nil, denial.reason)
        case .success(let rel):
            if PathRules.hasGitComponent(rel) {
                decision = Self.deny(rel, "'\(Display.text(rel))' is inside '.git': repository internals are not readable by actions")
            } else {
                decision = WriteDecision(allowed: true, resolvedRelativePath: rel, needsApproval: false,
                                         approval: .notRequired, reason: "allowed: inside the repository")
            }
        }
        return logged(decision, kind: "read", action: action, requested: .string(path))
    }

    /// May `action` run this command? Give exactly one of `cmd` (split like a shell, without shell features)
    /// or `argv`. Every command needs approval. Decides and logs.
    public func checkCommand(cmd: String?, argv: [String]?, action: String) -> CommandDecision {
        let requested: JSONValue = cmd.map { .string($0) } ?? argv.map { .array($0.map { .string($0) }) } ?? .null
        let decision = decideCommand(cmd: cmd, argv: argv, action: action)
        var entry = auditEntry(kind: "command", action: action, requested: requested,
                               target: .array(decision.argv.map { .string($0) }),
                               allowed: decision.allowed, approval: decision.approval, reason: decision.reason)
        guard let failure = append(&entry, durable: decision.allowed) else { return decision }
        var denied = decision
        denied.allowed = false
        denied.reason = decision.allowed ? failure : decision.reason + " (and " + failure + ")"
        return denied
    }

    /// Whether audit-log lines have been written since the last ``syncAuditLog()`` without being synced.
    public var hasUnsyncedAuditLines: Bool { logOwner.unsynced.load(ordering: .acquiring) }

    /// Syncs the audit-log lines written since the last sync (a no-op when there are none).
    public func syncAuditLog() throws(PolicyError) {
        if logOwner !== self { return try logOwner.syncAuditLog() }
        guard let log = auditLog, unsynced.exchange(false, ordering: .acquiringAndReleasing) else { return }
        if let failure = log.sync() {
            unsynced.store(true, ordering: .releasing)
            throw PolicyError.auditLog(failure)
        }
    }

    /// Splits a command string into argv as a POSIX shell splits words, rejecting every shell feature.
    public static func splitCommand(_ cmd: String) throws(PolicyError) -> [String] {
        try CommandSplitter.split(cmd)
    }

    /// Warnings for `doctor`: allowlist entries whose program is a shell, an interpreter or a command runner.
    public static func interpreterWarnings(_ shellAllowlist: [[String]]) -> [String] {
        InterpreterCheck.warnings(shellAllowlist)
    }

    // MARK: Writes

    func decideWrite(path: String, action: String) -> WriteDecision {
        let rel: String
        switch locate(path) {
        case .failure(let denial): return Self.deny(nil, denial.reason)
        case .success(let r): rel = r
        }
        let shown = Display.text(rel)
        let extra = auditRelative.map { [$0, $0 + ".lock"] } ?? []
        if let why = PathRules.neverWritable(rel, extraProtected: extra) { return Self.deny(rel, why) }
        let entries = allowlistEntries()
        guard let admitting = entries.first(where: { Path.isInside(rel, $0.rel) }) else {
            let list = settings.writeAllowlist.isEmpty
                ? "the write allowlist is empty"
                : "allowed: " + settings.writeAllowlist.map { Display.text($0) }.joined(separator: ", ")
            return Self.deny(rel, "'\(shown)' is not inside a write-allowlisted directory (\(list))")
        }
        let inside = "allowed: inside write-allowlisted '\(Display.text(admitting.entry))'"
        if let root = StateLayout.approvalFreeRoots.first(where: { Path.isInside(rel, $0) }) {
            return WriteDecision(allowed: true, resolvedRelativePath: rel, needsApproval: false, approval: .notRequired,
                                 reason: inside + " (\(root == StateLayout.relWorkdir ? "the workdir" : "sdetkit's template output area") needs no approval)")
        }
        let question = "Allow \(Display.text(action)) to write '\(shown)' (outside \(StateLayout.relWorkdir))?"
        let (state, why) = approve(key: "write\u{0}" + rel, question: question)
        return WriteDecision(allowed: state == .granted, resolvedRelativePath: rel, needsApproval: true,
                             approval: state, reason: state == .granted ? inside + "; " + why : why)
    }

    struct Denial: Error { let reason: String }

    /// Resolves a requested path to a repo-relative physical path, or says why it cannot be used.
    func locate(_ path: String) -> Result<String, Denial> {
        let shown = Display.text(path)
        if path.isEmpty { return .failure(Denial(reason: "empty path: give a repo-relative path")) }
        if path.utf8.contains(0) { return .failure(Denial(reason: "path contains a NUL byte")) }
        var comps = Path.components(path)
        if path.hasPrefix("/") {
            if comps.starts(with: rootComponents, by: Path.same) {
                comps.removeFirst(rootComponents.count)
            } else if comps.starts(with: givenRootComponents, by: Path.same) {
                comps.removeFirst(givenRootComponents.count)
            } else {
                return .failure(Denial(reason: "'\(shown)' is an absolute path outside the repository: give a repo-relative path"))
            }
        }
        switch PathResolver.resolve(start: repoRoot, components: comps) {
        case .failed(let why):
            return .failure(Denial(reason: "'\(shown)' cannot be resolved: \(why)"))
        case .resolved(let abs):
            guard let rel = Path.relative(abs, to: repoRoot) else {
                return .failure(Denial(reason:
                    "'\(shown)' resolves outside the repository (through '..' or a symbolic link)"))
            }
            return .success(rel)
        }
    }

    /// Allowlist entries with their resolved repo-relative directory. An entry that resolves outside the
    /// repository (e.g. a symbolic link to elsewhere) or is empty admits nothing; `.` admits the repository.
    func allowlistEntries() -> [(entry: String, rel: String)] {
        settings.writeAllowlist.compactMap { entry in
            guard !entry.isEmpty, case .success(let rel) = locate(entry) else { return nil }
            return (entry, rel)
        }
    }

    // MARK: Commands

    func decideCommand(cmd: String?, argv: [String]?, action: String) -> CommandDecision {
        let words: [String]
        switch (cmd, argv) {
        case (let c?, nil):
            do { words = try CommandSplitter.split(c) } catch {
                return CommandDecision(allowed: false, argv: [], approval: .notRequired, reason: error.message)
            }
        case (nil, let a?):
            words = a
        default:
            return CommandDecision(allowed: false, argv: argv ?? [], approval: .notRequired,
                                   reason: "give exactly one of 'cmd' (a string) or 'argv' (a list)")
        }
        guard let program = words.first, !program.isEmpty else {
            return CommandDecision(allowed: false, argv: words, approval: .notRequired,
                                   reason: "empty command: there is nothing to run")
        }
        if words.contains(where: { $0.utf8.contains(0) }) {
            return CommandDecision(allowed: false, argv: words, approval: .notRequired,
                                   reason: "an argument contains a NUL byte")
        }
        let shown = Display.argv(words)
        guard let entry = settings.shellAllowlist.first(where: { !$0.isEmpty && words.starts(with: $0, by: Path.same) }) else {
            let why = settings.shellAllowlist.isEmpty
                ? "the shell allowlist is empty" : "no shell allowlist entry is a prefix of its argv"
            return CommandDecision(allowed: false, argv: words, approval: .notRequired,
                                   reason: "command '\(shown)' is not allowed: \(why); to allow it, add it to safety.shell_allowlist in .sdetkit/agent/config.yaml")
        }
        if let why = GitArguments.refusal(words) {
            return CommandDecision(allowed: false, argv: words, approval: .notRequired, reason: why)
        }
        let question = "Allow \(Display.text(action)) to run: \(shown)?"
        let (state, why) = approve(key: "command\u{0}" + words.joined(separator: "\u{0}"), question: question)
        let inside = "allowed: matches shell allowlist entry '\(Display.argv(entry))'"
        return CommandDecision(allowed: state == .granted, argv: words, approval: state,
                               reason: state == .granted ? inside + "; " + why : why)
    }

    // MARK: Approval and audit

    func approve(key: String, question: String) -> (ApprovalState, String) {
        if held != nil {
            return (.denied, "needs approval, which a run prepared alongside others never asks for: run it on its own")
        }
        switch approval {
        case .granted:
            return (.granted, "approved with --approve")
        case .nonInteractive:
            return (.denied, "needs approval: re-run with --approve")
        case .prompt(let ask):
            let yes: Bool
            if let prior = answers.withLock({ $0[key] }) {
                yes = prior
            } else {
                yes = ask(question)
                answers.withLock { $0[key] = yes }
            }
            return yes ? (.granted, "approved at the prompt") : (.denied, "needs approval: refused at the prompt")
        }
    }

    static func deny(_ rel: String?, _ reason: String) -> WriteDecision {
        WriteDecision(allowed: false, resolvedRelativePath: rel, needsApproval: false, approval: .notRequired,
                      reason: reason)
    }

    func logged(_ decision: WriteDecision, kind: String, action: String, requested: JSONValue) -> WriteDecision {
        var entry = auditEntry(kind: kind, action: action, requested: requested,
                               target: decision.resolvedRelativePath.map { .string($0) } ?? requested,
                               allowed: decision.allowed, approval: decision.approval, reason: decision.reason)
        // Writes that needed (and got) approval act outside sdetkit's own output areas: on disk first.
        let durable = decision.allowed && decision.approval != .notRequired
        guard let failure = append(&entry, durable: durable) else { return decision }
        var denied = decision
        denied.allowed = false
        denied.reason = decision.allowed ? failure : decision.reason + " (and " + failure + ")"
        return denied
    }

    func auditEntry(kind: String, action: String, requested: JSONValue, target: JSONValue, allowed: Bool,
                    approval: ApprovalState, reason: String) -> JSONValue {
        [
            "time": .string(clock.nowRFC3339()), "action": .string(action), "kind": .string(kind),
            "target": target, "requested": requested, "allowed": .bool(allowed),
            "approval": .string(approval.rawValue), "reason": .string(reason),
        ]
    }

    /// Appends the entry, synced before returning when `durable`; returns why it could not be written, or nil.
    func append(_ entry: inout JSONValue, durable: Bool) -> String? {
        guard auditLog != nil else { return nil }
        if let held, !durable {
            held.lines.withLock { $0.append(entry) }
            return nil
        }
        if held != nil {
            // Not reached (nothing is approved here), but a durable line must never overtake held ones.
            do { try releaseHeldDecisions() } catch { return error.message }
        }
        return logOwner.appendNow([entry], durable: durable)
    }

    func appendNow(_ entries: [JSONValue], durable: Bool) -> String? {
        guard let log = auditLog else { return nil }
        if let rel = auditRelative {
            // A log inside the repository must stay there: refuse a state directory that is a symbolic
            // link to elsewhere rather than create or append files outside.
            guard case .success = locate(Path.dirname(rel) == "." ? "." : Path.dirname(rel)) else {
                return "cannot write the audit log (\(log.shownName)): its directory resolves outside the repository"
            }
        }
        if durable { return log.append(entries, sync: true) }
        let failure = log.append(entries, sync: false)
        // Marked after the write: a syncAuditLog() that cleared the mark before this store either synced
        // the line (it was written before the sync) or leaves the mark set for the next one.
        if failure == nil { unsynced.store(true, ordering: .releasing) }
        return failure
    }
}

/// Audit-log lines a ``PolicyEngine/deferringDecisions()`` engine holds until its run is recorded.
final class HeldDecisions: Sendable {
    let lines = Mutex<[JSONValue]>([])
}
