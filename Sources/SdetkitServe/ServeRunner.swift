#if canImport(Glibc)
import Glibc
#endif
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import SdetkitCore
import SdetkitRuntime
import ServiceLifecycle

/// `sdetkit agent serve`: opens the server store, takes the repository's server lock, and runs the HTTP server,
/// the event processor, the run workers and the prune job in one service group until SIGTERM or SIGINT.
public enum ServeRunner {
    /// The server store's path, under the repository's state directory (never built from request data).
    public static func storePath(_ layout: StateLayout) -> String { layout.absolute(".sdetkit/agent/serve.sqlite") }
    static func lockPath(_ layout: StateLayout) -> String { layout.absolute(".sdetkit/agent/serve.lock") }

    /// Runs until stopped. Prints `{"status":"serving","host","port"}` as the first stdout line once listening.
    public static func run(settings: ServeSettings, workspace: Workspace, logLevel: Logger.Level = .info) async throws {
        try settings.checkSafeToBind()
        var logger = Logger(label: "sdetkit.serve") { JSONLogHandler(label: $0, level: logLevel) }
        logger.logLevel = logLevel
        let lock = try ServerLock(path: lockPath(workspace.layout))
        defer { lock.release() }
        let store = try SQLiteServeStore(path: storePath(workspace.layout))
        let core = ServeCore(settings: settings, store: store, workspace: workspace, logger: logger)
        let interrupted = try await store.failInterruptedRuns()
        if interrupted > 0 {
            logger.warning("runs interrupted by the last stop were marked failed (not re-run)", metadata: ["count": "\(interrupted)"])
        }
        for channel in ChannelKind.allCases where !settings.isEnabled(channel) {
            logger.notice("channel disabled: its secret is not set", metadata: ["channel": "\(channel.rawValue)",
                                                                                 "set": "\(settings.secretName(for: channel))"])
        }
        let app = application(core: core, logger: logger)
        let workers = RunWorkers(core: core)
        let group = ServiceGroup(configuration: .init(
            services: [
                .init(service: Pruner(core: core), successTerminationBehavior: .gracefullyShutdownGroup),
                .init(service: EventProcessor(core: core), successTerminationBehavior: .gracefullyShutdownGroup),
                .init(service: workers, successTerminationBehavior: .gracefullyShutdownGroup),
                .init(service: app, successTerminationBehavior: .gracefullyShutdownGroup),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            cancellationSignals: [],
            logger: logger))
        try await group.run()
        await store.close()
        logger.info("stopped")
    }

    /// The Hummingbird application of `core` (also what the tests drive through HummingbirdTesting).
    public static func application(core: ServeCore, logger: Logger) -> some ApplicationProtocol {
        let c = core.settings.config
        var decoder = HTTP1Channel.Configuration.DecoderConfiguration()
        decoder.maxHeaderFieldCount = c.maxHeaders
        decoder.maxHeaderListSize = 64 * 1024
        decoder.maxHeaderFieldSize = 16 * 1024
        let timeout = TimeAmount.milliseconds(Int64(c.requestTimeoutSeconds * 1000))
        let http1 = HTTP1Channel.Configuration(additionalChannelHandlers: [SlowRequestGuard(timeout: timeout)],
                                               idleTimeout: .milliseconds(Int64(c.idleTimeoutSeconds * 1000)),
                                               httpDecoderConfiguration: decoder)
        let host = c.host
        return Application(
            router: core.router(),
            server: .http1(configuration: http1),
            configuration: .init(address: .hostname(host, port: c.port), serverName: "sdetkit",
                                 availableConnectionsDelegate: MaximumAvailableConnections(c.maxConnections)),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? c.port
                let line = CanonicalJSON.encode(["status": "serving", "host": .string(host), "port": .int(port)]) + [0x0A]
                line.withUnsafeBytes { p in _ = Glibc.write(1, p.baseAddress, p.count) }
                logger.info("serving", metadata: ["host": "\(host)", "port": "\(port)"])
            },
            logger: logger)
    }
}

/// Deletes what is older than `serve.retention_days` (and run API keys older than 24 h), hourly and at start.
struct Pruner: Service {
    let core: ServeCore

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                if let n = try? await core.store.prune(retentionDays: core.settings.config.retentionDays), n > 0 {
                    core.logger.info("pruned old server rows", metadata: ["rows": "\(n)"])
                }
                do { try await Task.sleep(for: .seconds(3600)) } catch { return }
            }
        }
    }
}

/// One server per repository: an exclusive `flock` on `.sdetkit/agent/serve.lock`, held while serving.
final class ServerLock: Sendable {
    let fd: Int32

    init(path: String) throws {
        let fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw ServeError.store("cannot open \(path): \(FileSystem.describe(errno: errno)); it must be a regular file")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw ServeError.alreadyServing("another 'sdetkit agent serve' is running on this repository (it holds \(path)); "
                + "stop it first, or serve another repository")
        }
        self.fd = fd
    }

    func release() {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
