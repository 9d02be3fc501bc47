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
