#if canImport(Glibc)
import Glibc
#endif
import Logging
import SdetkitCore

/// swift-log handler writing one JSON object per line to stderr: `ts`, `level`, `logger`, `msg` and the metadata.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    let label: String

    public init(label: String, level: Logger.Level = .info) {
        self.label = label
        logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let line = line(for: event)
        line.withUnsafeBytes { p in _ = Glibc.write(2, p.baseAddress, p.count) }
    }

    /// One log line: a canonical JSON object and a newline.
    func line(for event: LogEvent) -> [UInt8] {
        // Written straight into one buffer (no dictionary of JSON values per line): the base members, then the
        // metadata (the event's over the handler's), keys in canonical order; a metadata key never replaces a base one.
        var members: [(key: String, value: String)] = [
            ("level", event.level.rawValue), ("logger", label), ("msg", event.message.description), ("ts", Self.now()),
        ]
        let extra = event.metadata ?? [:]
        for (k, v) in extra where !Self.isBase(k) { members.append((k, "\(v)")) }
        for (k, v) in metadata where extra[k] == nil && !Self.isBase(k) { members.append((k, "\(v)")) }
        members.sort { CanonicalJSON.utf16Less($0.key, $1.key) }
        var line: [UInt8] = []
        line.reserveCapacity(256)
        line.append(UInt8(ascii: "{"))
        for (i, m) in members.enumerated() {
            if i > 0 { line.append(UInt8(ascii: ",")) }
            CanonicalJSON.writeString(m.key, into: &line)
            line.append(UInt8(ascii: ":"))
            CanonicalJSON.writeString(m.value, into: &line)
        }
        line.append(contentsOf: [UInt8(ascii: "}"), 0x0A])
        return line
    }

    static func isBase(_ k: String) -> Bool { k == "ts" || k == "level" || k == "logger" || k == "msg" }

    static func now() -> String { Timestamps.rfc3339(millis: Timestamps.nowMillis()) }
}
