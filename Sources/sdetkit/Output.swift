#if canImport(Glibc)
import Glibc
#endif
import SdetkitCore

/// Writing to stdout/stderr without Foundation. stdout is for results; stderr for errors, warnings, prompts.
enum Output {
    static func write(_ fd: Int32, _ bytes: [UInt8]) {
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + off, bytes.count - off) }
            if n < 0 {
                if errno == EINTR { continue }
                return
            }
            off += n
        }
    }

    static func stdout(_ text: String) { write(1, Array(text.utf8)) }
    static func stderr(_ text: String) { write(2, Array(text.utf8)) }
    static func line(_ text: String = "") { stdout(text + "\n") }
    static func json(_ value: JSONValue) { stdout(value.prettyPrinted()) }
    static func error(_ message: String) { stderr("sdetkit: error: \(message)\n") }
    static func warning(_ message: String) { stderr("sdetkit: warning: \(message)\n") }
    static func note(_ message: String) { stderr("sdetkit: note: \(message)\n") }

    static var stdoutIsTerminal: Bool { isatty(1) == 1 }

    /// Writes `bytes` to FILE atomically (through, for a FIFO or character device), or to stdout for `-`.
    static func deliver(_ bytes: [UInt8], to output: String) throws {
        if output == "-" { write(1, bytes); return }
        let writer = try AtomicStreamWriter(path: absolute(output))
        try writer.write(bytes)
        try writer.commit()
    }

    static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : Path.join(FileSystem.currentDirectory(), path)
    }

    /// Pads for simple aligned tables.
    static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
    }
}
