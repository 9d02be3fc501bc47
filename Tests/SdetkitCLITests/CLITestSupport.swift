import Foundation
import XCTest
import SdetkitCore

/// Runs the `sdetkit` binary built next to the test bundle, in scratch git repositories.
struct CLIHarness {
    static var binary: String {
        // The test bundle lives in the build products directory, beside the executable.
        let exe = FileSystem.realPath("/proc/self/exe") ?? CommandLine.arguments[0]
        var dir = Path.dirname(exe)
        while !dir.isEmpty, dir != "/" {
            if FileSystem.isRegularFile(dir + "/sdetkit") { return dir + "/sdetkit" }
            dir = Path.dirname(dir)
        }
        for candidate in [".build/debug/sdetkit", ".build/release/sdetkit"] where FileSystem.isRegularFile(candidate) {
            return FileSystem.realPath(candidate)!
        }
        return "sdetkit"
    }

    struct Result {
        var code: Int32
        var out: String
        var err: String
        var json: JSONValue? { try? JSONParser.parse(out) }
    }

    /// A process of `binary` (by default the built sdetkit) in `dir`, with this environment minus
    /// SOURCE_DATE_EPOCH plus `env`; not started.
    static func process(_ args: [String], in dir: String, env: [String: String] = [:], binary: String = binary) -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = args
        p.currentDirectoryURL = URL(fileURLWithPath: dir)
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "SOURCE_DATE_EPOCH")
        for (k, v) in env { environment[k] = v }
        p.environment = environment
        return p
    }

    @discardableResult
    static func run(_ args: [String], in dir: String, env: [String: String] = [:], binary: String = binary) throws -> Result {
        let p = process(args, in: dir, env: env, binary: binary)
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(code: p.terminationStatus, out: String(decoding: o, as: UTF8.self), err: String(decoding: e, as: UTF8.self))
    }

    static func shell(_ command: String, in dir: String) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = ["-c", command]
        p.currentDirectoryURL = URL(fileURLWithPath: dir)
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
    }

    /// A fresh repository with a README and one commit.
    static func makeRepo() throws -> String {
        let dir = "/tmp/sdetkit-cli-\(UInt32.random(in: 0...UInt32.max))"
        try FileSystem.createDirectories(dir)
        try shell("git init -q -b main && git config user.email t@example.com && git config user.name t && git config commit.gpgsign false && echo '# scratch' > README.md && git add -A && git commit -qm init", in: dir)
        return dir
    }
}
