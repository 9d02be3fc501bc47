import Foundation
import XCTest
import SdetkitRuntime
import SdetkitCore
import SdetkitDemo
import SdetkitEngine
import SdetkitPolicy
@testable import SdetkitTemplates

/// A throw-away git repository under /tmp with one commit (README.md).
struct TempRepo {
    let root: String

    init(_ tag: String = "repo") throws {
        let dir = "/tmp/sdetkit-tpl-\(tag)-\(UInt32.random(in: 0...UInt32.max))"
        try FileSystem.createDirectories(dir)
        root = FileSystem.realPath(dir) ?? dir
        try git("init", "-q", "-b", "main")
        try git("config", "user.email", "t@example.com")
        try git("config", "user.name", "t")
        try git("config", "commit.gpgsign", "false")
        try write("README.md", "# scratch\n")
        try commit("init")
    }

    func git(_ args: String...) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/git")
        p.arguments = args
        p.currentDirectoryURL = URL(fileURLWithPath: root)
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        if p.terminationStatus != 0 { throw SdetkitError("git \(args.joined(separator: " ")) failed") }
    }

    func commit(_ message: String) throws {
        try git("add", "-A")
        try git("commit", "-q", "-m", message)
    }

    func write(_ rel: String, _ text: String) throws {
        try FileSystem.createDirectories(Path.dirname(root + "/" + rel))
        try FileSystem.writeAtomically(text, to: root + "/" + rel)
    }

    func read(_ rel: String) throws -> String { try FileSystem.readString(root + "/" + rel) }

    func exists(_ rel: String) -> Bool { FileSystem.exists(root + "/" + rel) }

    /// A workspace on this repository with the full registry (plus `extra` actions).
    func workspace(approval: ApprovalMode = .nonInteractive, epoch: String? = "1700000000",
                   extra: [any AgentAction] = []) throws -> Workspace {
        var registry = Toolkit.registry()
        // Until every module is wired into the toolkit, make sure this module's actions are present.
        for a in TemplateActions.actions + extra { registry.register(a) }
        var env: [String: String] = [:]
        if let epoch { env["SOURCE_DATE_EPOCH"] = epoch }
        return try Workspace.open(from: root, registry: registry, approval: approval, environment: env)
    }

    func ledgerCount() -> Int {
        let text = (try? FileSystem.readString(root + "/" + StateLayout.relLedger)) ?? ""
        return text.split(separator: "\n").count
    }

    func remove() { try? FileManager.default.removeItem(atPath: root) }

    /// Runs `command` with /bin/sh; fails when it does.
    static func shell(_ command: String) throws { _ = try shellOutput(command) }

    /// Runs `command` with /bin/sh and returns its standard output.
    static func shellOutput(_ command: String) throws -> String {
        let p = Process()
        let out = Pipe()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", command]
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        if p.terminationStatus != 0 { throw SdetkitError("'\(command)' failed") }
        return String(decoding: data, as: UTF8.self)
    }
}

/// A test action that sleeps, optionally failing a number of times first (counts are per run in a shared box).
struct SlowAction: AgentAction {
    let name = "test.slow"
    let summary = "sleeps for params.seconds"

    func run(_ params: JSONValue, in context: ActionContext) async -> ActionResult {
        let seconds = params["seconds"]?.doubleValue ?? 0
        try? await Task.sleep(nanoseconds: UInt64(seconds * 1_000_000_000))
        return .succeeded(name, params, "slept")
    }
}

/// Fails until it has been called `params.succeed_on` times (state in a file in the workdir).
struct FlakyAction: AgentAction {
    let name = "test.flaky"
    let summary = "fails the first attempts"

    func run(_ params: JSONValue, in context: ActionContext) async -> ActionResult {
        let counter = context.layout.absolute(".sdetkit/flaky-count")
        let n = (Int((try? FileSystem.readString(counter)) ?? "0") ?? 0) + 1
        _ = try? FileSystem.createDirectories(Path.dirname(counter))
        try? FileSystem.writeAtomically(String(n), to: counter)
        let succeedOn = params["succeed_on"]?.intValue ?? 1
        if n >= succeedOn { return .succeeded(name, params, "ok on attempt \(n)", outputs: ["attempt": .int(n)]) }
        return .failed(name, params, "failing attempt \(n)")
    }
}

func parse(_ yaml: String, file: String = "t.yaml", registry: ActionRegistry? = nil) throws -> Template {
    try TemplateParser.parse(text: yaml, file: file, registry: registry)
}

/// The issues of a template that must not parse.
func issues(_ yaml: String, file: String = "t.yaml", registry: ActionRegistry? = nil) -> [TemplateIssue] {
    do throws(TemplateError) {
        _ = try TemplateParser.parse(text: yaml, file: file, registry: registry)
        return []
    } catch {
        return error.issues
    }
}
