import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import SdetkitConfig
import XCTest
@testable import SdetkitServe
import SdetkitRuntime

/// A throw-away git repository with sdetkit's state, a server store and a `ServeCore` over them.
final class ServeFixture: @unchecked Sendable {
    static let token = "test-token-0123456789"
    static let webhookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    static let slackSecret = "8f742231b10e8888abcd99yyyzzz85a5"
    static let telegramSecret = "tg-secret-abc"

    let repo: String
    let workspace: Workspace
    let store: SQLiteServeStore
    let core: ServeCore

    init(config: AgentConfig.Serve = .defaults, secrets: ServeSecrets? = nil, configYAML: String? = nil) throws {
        repo = FileManager.default.temporaryDirectory.path + "/sdetkit-serve-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: repo, withIntermediateDirectories: true)
        for args in [["init", "-q", "-b", "main"], ["config", "user.email", "t@example.com"], ["config", "user.name", "t"],
                     ["config", "commit.gpgsign", "false"]] {
            try Self.git(args, in: repo)
        }
        try "# test\n".write(toFile: repo + "/README.md", atomically: true, encoding: .utf8)
        try Self.git(["add", "-A"], in: repo)
        try Self.git(["commit", "-q", "-m", "init"], in: repo)
        let layout = StateLayout(repoRoot: FileSystem.realPath(repo)!)
        _ = try StateInit.run(layout: layout, force: false)
        if let configYAML { try FileSystem.writeAtomically(configYAML, to: layout.configPath) }
        workspace = try Workspace.open(from: repo, registry: Toolkit.registry(), approval: .nonInteractive,
                                       environment: ["SOURCE_DATE_EPOCH": "1700000000"])
        store = try SQLiteServeStore(path: ServeRunner.storePath(layout))
        let s = secrets ?? ServeSecrets(token: Self.token, webhookSecret: Self.webhookSecret, slackSigningSecret: Self.slackSecret,
                                        telegramSecretToken: Self.telegramSecret)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        core = ServeCore(settings: ServeSettings(config: config, secrets: s), store: store, workspace: workspace, logger: logger)
    }

    deinit { try? FileManager.default.removeItem(atPath: repo) }

    static func git(_ args: [String], in dir: String) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/git")
        p.arguments = args
        p.currentDirectoryURL = URL(fileURLWithPath: dir)
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw CocoaError(.fileWriteUnknown) }
    }

    /// Runs `body` against the router (no sockets).
    func test(_ body: @Sendable @escaping (any TestClientProtocol) async throws -> Void) async throws {
        let app = Application(router: core.router())
        try await app.test(.router) { client in try await body(client) }
    }

    static func bearer(_ extra: HTTPFields = [:]) -> HTTPFields {
        var h: HTTPFields = [.authorization: "Bearer \(token)", .contentType: "application/json"]
        for f in extra { h.append(f) }
        return h
    }

    static func body(_ s: String) -> ByteBuffer { ByteBuffer(string: s) }

    static func json(_ r: TestResponse) -> JSONValue { (try? JSONParser.parse(String(buffer: r.body))) ?? .null }

    static func name(_ s: String) -> HTTPField.Name { HTTPField.Name(s)! }

    static var now: Int64 { Int64(Date().timeIntervalSince1970) }
}
