import Foundation
import XCTest

/// Runs `git` in `directory` (output discarded) and fails the calling test when git does.
func runGit(_ args: [String], in directory: String, file: StaticString = #filePath, line: UInt = #line) throws {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/git")
    p.arguments = args
    p.currentDirectoryURL = URL(fileURLWithPath: directory)
    p.standardOutput = FileHandle.nullDevice
    try p.run()
    p.waitUntilExit()
    XCTAssertEqual(p.terminationStatus, 0, "git \(args)", file: file, line: line)
}

/// A new git repository at `path` (created) with a README and one commit.
func makeCommittedRepo(at path: String) throws {
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    try runGit(["init", "-q", "-b", "main"], in: path)
    try runGit(["config", "user.email", "t@example.com"], in: path)
    try runGit(["config", "user.name", "t"], in: path)
    try "# test\n".write(toFile: path + "/README.md", atomically: true, encoding: .utf8)
    try runGit(["add", "-A"], in: path)
    try runGit(["commit", "-q", "-m", "init"], in: path)
}
