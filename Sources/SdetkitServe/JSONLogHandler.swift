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
        var o: [String: JSONValue] = [
            "ts": .string(Self.now()), "level": .string(event.level.rawValue), "logger": .string(label),
            "msg": .string(event.message.description),
        ]
        for (k, v) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) where o[k] == nil {
            o[k] = .string("\(v)")
        }
        var line = CanonicalJSON.encode(.object(o))
        line.append(0x0A)
        line.withUnsafeBytes { p in _ = Glibc.write(2, p.baseAddress, p.count) }
    }

    static func now() -> String { Timestamps.rfc3339(millis: Timestamps.nowMillis()) }
}
