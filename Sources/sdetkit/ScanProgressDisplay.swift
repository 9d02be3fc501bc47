import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import SdetkitAudit
import SdetkitCore

/// The progress line of a long scan on a terminal (docs/audit.md, "Progress on a terminal").
///
/// Shown only when stderr is a terminal and the command does not print JSON on stdout; silent for the first
/// second (`SDETKIT_PROGRESS_AFTER_MS` changes that, for tests); redrawn in place at most 8 times a second by a
/// thread of its own, which clears the line and ends before ``stop()`` returns.
final class ScanProgressDisplay: @unchecked Sendable {
    // Set in init, then used only by the drawing thread (renderer) or through the semaphores.
    private var renderer: ScanProgressRenderer
    private let stopRequest = DispatchSemaphore(value: 0)
    private let stopped = DispatchSemaphore(value: 0)
    private var running = false

    /// Environment variable: milliseconds before the first progress line (default 1000).
    static let afterVariable = "SDETKIT_PROGRESS_AFTER_MS"

    /// Whether a command writing `format` to `output` (`-` for stdout) shows progress: stderr is a terminal, and
    /// no JSON goes to stdout (`json` is true for a `--json` flag).
    static func wanted(stderrIsTerminal: Bool = isatty(2) == 1, format: String, output: String, json: Bool = false) -> Bool {
        stderrIsTerminal && !json && !(format == "json" && output == "-")
    }

    /// The threshold in seconds: `SDETKIT_PROGRESS_AFTER_MS` when it is a whole number, else 1.
    static func threshold(_ environment: [String: String] = ProcessEnv.current()) -> Double {
        guard let raw = environment[afterVariable], let ms = Int(raw), ms >= 0 else { return 1.0 }
        return Double(ms) / 1000
    }

    private init(_ progress: ScanProgress, label: String) {
        renderer = ScanProgressRenderer(progress: progress, label: label, after: Self.threshold(),
                                        clock: { RunClock.monotonicMillis() / 1000 },
                                        sink: { Output.stderr($0) })
    }

    /// Starts drawing `progress` on stderr.
    private static func start(_ progress: ScanProgress, label: String) -> ScanProgressDisplay {
        let display = ScanProgressDisplay(progress, label: label)
        display.running = true
        Blocking.start { display.draw() }
        return display
    }

    private func draw() {
        let pause = Int(renderer.interval * 1000)
        while true {
            renderer.tick()
            if stopRequest.wait(timeout: .now() + .milliseconds(pause)) == .success { break }
        }
        renderer.finish()
        stopped.signal()
    }

    /// Stops the drawing thread after it has cleared its line. Idempotent.
    func stop() {
        guard running else { return }
        running = false
        stopRequest.signal()
        stopped.wait()
    }

    /// Runs `body` with a ``ScanProgress`` drawn on stderr when ``wanted(stderrIsTerminal:format:output:json:)``
    /// (else with nil, at no cost); the line is gone before this returns or throws.
    static func around<T>(label: String = "audit", format: String, output: String, json: Bool = false,
                          _ body: (ScanProgress?) async throws -> T) async rethrows -> T {
        guard wanted(format: format, output: output, json: json) else { return try await body(nil) }
        let progress = ScanProgress()
        let display = start(progress, label: label)
        defer { display.stop() }
        return try await body(progress)
    }
}
