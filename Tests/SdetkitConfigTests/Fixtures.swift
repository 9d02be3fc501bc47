import XCTest
@testable import SdetkitConfig

/// A complete version 1 file; line numbers are relied on by the tests.
let fullConfig = """
version: 1
budgets:
  max_steps: 8
  max_actions: 4
provider:
  type: local
  endpoint: http://127.0.0.1:11434/api/generate
  model: llama3
  timeout_seconds: 2.5
safety:
  write_allowlist:
    - .sdetkit/agent/workdir
    - ./docs/
  shell_allowlist:
    - git status
    - [git, log, "-n", "5"]
  shell_timeout_seconds: 2
  max_output_bytes: 4096
slo:
  success_rate: 0.95
  p95_duration_ms: 5000

"""

/// The Python sdetkit's format.
let legacyConfig = """
roles:
  manager: planner
  worker: executor
  reviewer: verifier
budgets:
  max_steps: 8
  max_actions: 4
  token_budget: 0
provider:
  type: none
  endpoint: http://127.0.0.1:11434/api/generate
  model: llama3
safety:
  write_allowlist:
    - .sdetkit/agent/workdir
  shell_allowlist: []

"""

/// `fullConfig` with line `line` (1-based) replaced.
func fullConfig(replacingLine line: Int, with text: String) -> String {
    var lines = fullConfig.components(separatedBy: "\n")
    lines[line - 1] = text
    return lines.joined(separator: "\n")
}

func parse(_ yaml: String) throws -> LoadedConfig {
    try ConfigLoader.parse(yaml: yaml, displayName: "config.yaml")
}

/// Asserts that `yaml` fails with a ConfigError at `line` whose message contains every fragment.
func assertConfigError(_ yaml: String, line expectedLine: Int?, _ fragments: [String],
                       file: StaticString = #filePath, line: UInt = #line) {
    do {
        let loaded = try ConfigLoader.parse(yaml: yaml, displayName: "config.yaml")
        XCTFail("expected an error, got \(loaded.config)", file: file, line: line)
    } catch {
        XCTAssertEqual(error.line, expectedLine, "\(error.message)", file: file, line: line)
        XCTAssertEqual(error.exitStatus, .usage, file: file, line: line)
        if let l = expectedLine {
            XCTAssertTrue(error.message.hasPrefix("config.yaml:\(l): "), error.message, file: file, line: line)
        }
        XCTAssertFalse(error.message.contains("\n"), "one line: \(error.message)", file: file, line: line)
        for f in fragments {
            XCTAssertTrue(error.message.contains(f), "'\(f)' not in: \(error.message)", file: file, line: line)
        }
    }
}

/// A fresh directory under /tmp.
func makeTempDir() throws -> String {
    let dir = "/tmp/sdetkit-config-tests-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}
