/// Where an imported run came from: a run record file another tool wrote (runs of kind `import.python`:
/// a Python sdetkit 1.2.0 record). It is part of the defining record, so the original file's SHA-256 and
/// the time the other tool recorded are protected by the content hash and the ledger chain.
public struct ImportSource: Sendable, Hashable {
    /// The format of the original file: `python-sdetkit` for `.sdetkit/agent/history/<sha256>.json`.
    public var format: String
    /// The original file's name (never a path: records hold no absolute paths).
    public var file: String
    /// SHA-256 of the original file's bytes.
    public var sha256: String
    /// Size of the original file in bytes.
    public var bytes: Int
    /// The hash the other tool gave the record (for Python sdetkit, its file name).
    public var recordHash: String
    /// When the other tool recorded the run (`YYYY-MM-DDTHH:MM:SSZ`).
    public var capturedAt: String
    /// The other tool's own status word (Python sdetkit: `ok` or `error`).
    public var status: String

    public init(format: String, file: String, sha256: String, bytes: Int, recordHash: String, capturedAt: String, status: String) {
        self.format = format
        self.file = file
        self.sha256 = sha256
        self.bytes = bytes
        self.recordHash = recordHash
        self.capturedAt = capturedAt
        self.status = status
    }

    public var json: JSONValue {
        ["format": .string(format), "file": .string(file), "sha256": .string(sha256), "bytes": .int(bytes),
         "record_hash": .string(recordHash), "captured_at": .string(capturedAt), "status": .string(status)]
    }

    /// Parses ``json``; nil when a member is missing or of the wrong type.
    public init?(json: JSONValue) {
        guard let format = json["format"]?.stringValue, let file = json["file"]?.stringValue,
              let sha = json["sha256"]?.stringValue, let bytes = json["bytes"]?.intValue,
              let recordHash = json["record_hash"]?.stringValue, let capturedAt = json["captured_at"]?.stringValue,
              let status = json["status"]?.stringValue else { return nil }
        self.init(format: format, file: file, sha256: sha, bytes: bytes, recordHash: recordHash, capturedAt: capturedAt, status: status)
    }
}
