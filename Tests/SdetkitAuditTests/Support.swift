import Foundation
import SdetkitCore
import XCTest

@testable import SdetkitAudit

/// Secret-looking test values are generated at run time from a seeded PRNG, so this repository contains no
/// literal secrets (and its own audit stays clean).
enum Gen {
    static let upperDigits = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
    static let alnum = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
    static let hex = Array("0123456789abcdef")
    static let base64 = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
    static let urlSafe = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
    static let digits = Array("0123456789")

    /// A deterministic pseudo-random string (SplitMix64).
    static func string(_ count: Int, _ alphabet: [Character], seed: UInt64) -> String {
        var state = seed &+ 0x9E37_79B9_7F4A_7C15
        var out = ""
        for _ in 0..<count {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            out.append(alphabet[Int(z % UInt64(alphabet.count))])
        }
        return out
    }

    static func uuid(seed: UInt64) -> String {
        let h = string(32, hex, seed: seed)
        let c = Array(h)
        return String(c[0..<8]) + "-" + String(c[8..<12]) + "-" + String(c[12..<16]) + "-" + String(c[16..<20])
            + "-" + String(c[20..<32])
    }
}

/// Governance files that satisfy every governance rule of every profile.
let completeGovernance: [String: String] = [
    "README.md": "# Project\n", "LICENSE": "MIT\n", "SECURITY.md": "Report privately.\n", ".gitignore": ".build/\n",
    ".github/workflows/ci.yml": "on: push\njobs: {}\n", "CONTRIBUTING.md": "PRs welcome\n",
    "CODE_OF_CONDUCT.md": "Be kind\n", ".github/CODEOWNERS": "* @team\n", "CHANGELOG.md": "## 1.0\n",
    ".github/ISSUE_TEMPLATE/bug.md": "bug\n", ".github/pull_request_template.md": "checklist\n",
]

/// Audits in-memory files on top of a complete set of governance files.
func audit(_ files: [String: String], profile: AuditProfile = .default, governance: Bool = true,
           options: AuditOptions = AuditOptions()) -> AuditReport {
    var all = governance ? completeGovernance : [:]
    for (k, v) in files { all[k] = v }
    return Auditor.run(AuditInput.inMemory(text: all), profile: profile, options: options)
}

/// Findings of `report` for `ruleID`.
func findings(_ report: AuditReport, _ ruleID: String) -> [Finding] {
    report.findings.filter { $0.ruleID == ruleID }
}

/// Every textual form of a report, for redaction checks.
func allOutputs(_ report: AuditReport) -> String {
    report.json.prettyPrinted() + "\n" + report.sarif().prettyPrinted() + "\n" + report.markdown()
}

/// A fresh scratch directory under /tmp, removed by the caller.
func makeTempDir(_ tag: String) throws -> String {
    let dir = "/tmp/sdetkit-audit-tests-\(tag)-\(getpid())-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return URL(fileURLWithPath: dir).resolvingSymlinksInPath().path
}

func writeFile(_ root: String, _ rel: String, _ bytes: [UInt8]) throws {
    let full = root + "/" + rel
    try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent,
                                            withIntermediateDirectories: true)
    try Data(bytes).write(to: URL(fileURLWithPath: full))
}

/// Runs a program and returns (status, stdout + stderr).
func runProcess(_ executable: String, _ args: [String], cwd: String? = nil,
                env: [String: String]? = nil) throws -> (Int32, String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = args
    if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
    if let env { p.environment = env }
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = pipe
    try p.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
}
