import Foundation
import XCTest

extension XCTestCase {
    /// Runs `command` with /bin/sh in `dir` (stdout discarded) and asserts that it exits 0.
    func shell(_ command: String, in dir: String) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", command]
        p.currentDirectoryURL = URL(fileURLWithPath: dir)
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, command)
    }
}
