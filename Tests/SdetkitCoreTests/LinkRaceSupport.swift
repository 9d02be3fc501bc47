import XCTest
@testable import SdetkitCore

extension XCTestCase {
    /// A new repository directory and a new directory outside it (`/tmp/sdetkit-<tag>-N`, `…-out-N`), both
    /// removed when the test ends: where the race tests move state to and point their links at.
    func makeRepoAndOutside(_ tag: String) throws -> (repo: String, outside: String) {
        let n = UInt32.random(in: 0...UInt32.max)
        let repo = "/tmp/sdetkit-\(tag)-\(n)"
        let outside = "/tmp/sdetkit-\(tag)-out-\(n)"
        addTeardownBlock {
            FileSystem.removeTree(repo)
            FileSystem.removeTree(outside)
        }
        try FileSystem.createDirectories(repo)
        try FileSystem.createDirectories(outside)
        return (repo, outside)
    }
}
