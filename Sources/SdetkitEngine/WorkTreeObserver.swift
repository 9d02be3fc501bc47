import Dispatch
import SdetkitCore
import SdetkitGit
import Synchronization

/// HEAD, branch and git status of the repository, as runs record them and `git.status` reports them.
public struct RepoSnapshot: Sendable, Hashable {
    public var head: HeadState?
    /// Tracked changes and untracked files (with `.gitignore` applied); nil when status failed.
    public var status: WorkingTreeStatus?
    /// The first libgit2 error met (reading HEAD, then status), for `git.status` to report.
    public var error: String?

    /// What a run record carries: untracked files do not make the tree dirty.
    public var repoState: RepoState {
        RepoState(head: head?.commit, branch: head?.branch, dirty: status?.isDirty ?? false)
    }
}

/// Takes the repository's status once per workspace and keeps it while it is still true.
///
/// A libgit2 status stats every tracked file (tens of milliseconds on a repository of a few thousand
/// files), and a demo records seven runs. The snapshot is therefore kept and taken again only when
/// - something this workspace did may have changed tracked files: a write outside `.sdetkit/` (everything
///   sdetkit writes inside it is git-ignored state) or any command run by `shell.run` — every such write
///   and command reports here (`noteWrite`, `noteCommand`); or
/// - HEAD or the index changed (a commit, checkout, reset or `git add`, by anyone), seen through
///   ``GitRepository/stateStamp()`` on every use.
/// An edit made by another process to a tracked file while one sdetkit command runs is not seen until the
/// next command — the same race as any status taken at one moment.
/// `prefetch()` starts taking it in the background so that it overlaps the run's actions.
public final class WorkTreeObserver: Sendable {
    private struct Key: Hashable {
        var generation: Int
        var stamp: String
    }

    /// One snapshot being taken or taken, for one key.
    private final class Taking: Sendable {
        let key: Key
        let snapshot = PendingValue<RepoSnapshot>()

        init(key: Key) { self.key = key }

        func finish(_ s: RepoSnapshot) { snapshot.fill(s) }
        func wait() -> RepoSnapshot { snapshot.wait() }
    }

    private static let nextID = Atomic<Int>(0)

    private let repoRoot: String
    /// Unique in this process (never reused, unlike an object address).
    private let id: Int
    private let changes = Atomic<Int>(0)
    private let latest = Mutex<Taking?>(nil)
    /// The handle stamps are read through, opened once: HEAD and the index stamp are read from disk on every
    /// use, so only the repository discovery and config parsing are saved. Used by one thread at a time.
    private let stampRepository = Mutex<GitRepository?>(nil)

    public init(repoRoot: String) {
        self.repoRoot = repoRoot
        self.id = Self.nextID.wrappingAdd(1, ordering: .relaxed).oldValue
    }

    /// Names the work tree as this observer currently knows it: equal tokens mean nothing this workspace did
    /// and no HEAD or index change happened in between, so results computed from the work tree (like an audit
    /// scan) may be reused under the same rules as the status snapshot.
    public func token() -> String {
        let key = currentKey()
        return "\(id):\(key.generation):\(key.stamp)"
    }

    /// A file at `relativePath` (repo-relative, resolved) was written by an action.
    public func noteWrite(relativePath: String) {
        if !Path.isInside(relativePath, StateLayout.relState) { changes.add(1, ordering: .sequentiallyConsistent) }
    }

    /// A command ran: it may have changed anything.
    public func noteCommand() { changes.add(1, ordering: .sequentiallyConsistent) }

    /// Starts taking a snapshot in the background unless a valid one exists or is being taken.
    public func prefetch() {
        let (taking, isNew) = claim()
        guard isNew else { return }
        Blocking.start { [self] in taking.finish(takeThroughKeptHandle()) }
    }

    /// The current snapshot: the kept one while still valid (waiting for it if it is being taken), else a
    /// fresh one taken on this thread.
    public func snapshot() -> RepoSnapshot {
        let (taking, isNew) = claim()
        if isNew { taking.finish(takeThroughKeptHandle()) }
        return taking.wait()
    }

    /// ``snapshot()`` for async callers: a wait or a fresh status happens on a dedicated thread.
    public func currentSnapshot() async -> RepoSnapshot {
        await Blocking.run { [self] in snapshot() }
    }

    /// The kept snapshot when its key is current; else a new, unfinished one that the caller must take.
    private func currentKey() -> Key {
        let generation = changes.load(ordering: .sequentiallyConsistent)
        let stamp = stampRepository.withLock { repo -> String in
            if repo == nil { repo = try? GitRepository.open(workdir: repoRoot) }
            return repo?.stateStamp() ?? "unopenable"
        }
        return Key(generation: generation, stamp: stamp)
    }

    private func claim() -> (Taking, isNew: Bool) {
        let key = currentKey()
        return latest.withLock { kept in
            if let k = kept, k.key == key { return (k, false) }
            let fresh = Taking(key: key)
            kept = fresh
            return (fresh, true)
        }
    }

    /// A snapshot taken through the handle the stamps use (libgit2 re-reads the index and HEAD as needed).
    private func takeThroughKeptHandle() -> RepoSnapshot {
        stampRepository.withLock { repo -> RepoSnapshot in
            if repo == nil {
                do throws(GitError) { repo = try GitRepository.open(workdir: repoRoot) } catch {
                    return RepoSnapshot(head: nil, status: nil, error: error.message)
                }
            }
            return Self.take(using: repo!)
        }
    }

    /// HEAD and the full status (tracked changes and untracked files), through libgit2.
    public static func take(_ root: String) -> RepoSnapshot {
        do { return take(using: try GitRepository.open(workdir: root)) } catch {
            return RepoSnapshot(head: nil, status: nil, error: error.message)
        }
    }

    static func take(using repo: GitRepository) -> RepoSnapshot {
        var snapshot = RepoSnapshot(head: nil, status: nil, error: nil)
        do { snapshot.head = try repo.head() } catch { snapshot.error = error.message }
        do { snapshot.status = try repo.status(includeUntracked: true) } catch { snapshot.error = snapshot.error ?? error.message }
        return snapshot
    }
}
