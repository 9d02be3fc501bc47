#if canImport(Glibc)
import Glibc
#endif
import SdetkitCore

/// Why a Python sdetkit record file cannot be imported: one line naming the file and what is wrong.
public struct LegacyRecordProblem: UserFacingError, Hashable {
    public enum Kind: String, Sendable, Hashable {
        /// Not readable, not JSON, or not shaped like a Python sdetkit record.
        case malformed
        /// Its content does not hash to its name: it was changed after the Python tool wrote it.
        case tampered
    }

    /// The file as shown to the user.
    public let file: String
    public let kind: Kind
    public let detail: String

    public init(file: String, kind: Kind, detail: String) {
        self.file = file
        self.kind = kind
        self.detail = detail
    }

    public var message: String { "\(file): \(detail)" }
    /// A tampered file is an integrity problem (3); a malformed one an input error (2).
    public var exitStatus: ExitStatus { kind == .tampered ? .integrity : .usage }

    public var json: JSONValue { ["file": .string(file), "kind": .string(kind.rawValue), "detail": .string(detail)] }
}

/// A run record written by the Python sdetkit 1.2.0 (`.sdetkit/agent/history/<sha256>.json`), checked:
/// well-formed, and named by the SHA-256 that tool gives it (of its canonical JSON without `hash`).
public struct LegacyRecord: Sendable, Hashable {
    /// `python-sdetkit`: the ``ImportSource/format`` of these records.
    public static let format = "python-sdetkit"
    /// Larger files are refused (the Python tool's records are a few kilobytes).
    public static let maxBytes = 64 << 20

    /// `<record hash>.json`.
    public let fileName: String
    /// The hash the Python tool gave the record: its file name without `.json`.
    public let recordHash: String
    /// SHA-256 of the file's bytes.
    public let fileSHA256: String
    public let bytes: Int
    public let capturedAt: String
    public let capturedEpoch: Int64
    public let task: String
    /// `ok` or `error`.
    public let status: String
    /// The record's `actions` and `steps`, each checked to be an object with the members the import reads.
    let actions: [JSONValue]
    let steps: [JSONValue]

    /// Reads and checks `path`; `shownAs` names the file in problems. The file is opened relative to its
    /// directory with no link followed at its name (``read(name:in:shownAs:)``).
    public static func read(path: String, shownAs: String) throws(LegacyRecordProblem) -> LegacyRecord {
        let dir = Glibc.open(Path.dirname(path), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dir >= 0 else {
            let e = SdetkitError.io("cannot open", path: Path.dirname(path), errno: errno)
            throw LegacyRecordProblem(file: shownAs, kind: .malformed, detail: "cannot be read: \(e.message)")
        }
        defer { close(dir) }
        return try read(name: Path.basename(path), in: dir, shownAs: shownAs)
    }

    /// Reads and checks the file `name` in the directory held open as `dirFD`: `openat(O_NOFOLLOW)` relative
    /// to it, so a link at `name` is never followed (it is named as a link, not a record file); `shownAs`
    /// names the file in problems.
    public static func read(name: String, in dirFD: Int32, shownAs: String) throws(LegacyRecordProblem) -> LegacyRecord {
        func malformed(_ detail: String) -> LegacyRecordProblem { LegacyRecordProblem(file: shownAs, kind: .malformed, detail: detail) }
        func cannotRead(_ code: Int32) -> LegacyRecordProblem {
            malformed("cannot be read: \(SdetkitError.io("cannot open", path: shownAs, errno: code).message)")
        }
        if let st = BeneathRoot.statEntry(name, in: dirFD) {
            if (st.st_mode & S_IFMT) == S_IFLNK { throw malformed("is a symbolic link, not a record file") }
            guard (st.st_mode & S_IFMT) == S_IFREG else { throw malformed("is not a regular file") }
        } else {
            throw malformed("is not a regular file")
        }
        // O_NONBLOCK: something swapped in after the check (a FIFO) never blocks the open; O_NOFOLLOW: nor is a link followed.
        let fd = openat(dirFD, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            let e = errno
            if e == ELOOP { throw malformed("is a symbolic link, not a record file") }
            throw cannotRead(e)
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw cannotRead(errno) }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw malformed("is not a regular file") }
        if Int64(st.st_size) > Int64(maxBytes) {
            throw malformed("is \(st.st_size) bytes, larger than a Python sdetkit record can be (\(maxBytes) bytes)")
        }
        let bytes: [UInt8]
        switch Result(catching: { () throws(SdetkitError) in try FileSystem.readAll(fd: fd, path: shownAs) }) {
        case .success(let b): bytes = b
        case .failure(let e): throw malformed("cannot be read: \(e.message)")
        }
        return try parse(bytes: bytes, fileName: name, shownAs: shownAs)
    }

    /// Checks the bytes of a record file named `fileName` (`<64 hex>.json`).
    public static func parse(bytes: [UInt8], fileName: String, shownAs: String) throws(LegacyRecordProblem) -> LegacyRecord {
        func malformed(_ detail: String) -> LegacyRecordProblem { LegacyRecordProblem(file: shownAs, kind: .malformed, detail: detail) }
        guard LegacyHistory.isRecordFileName(fileName) else {
            throw malformed("is not named <sha256>.json as Python sdetkit names its records")
        }
        let name = String(fileName.dropLast(5))
        let parsed: PythonJSON
        switch Result(catching: { () throws(PythonJSONError) in try PythonJSON.parse(bytes) }) {
        case .success(let v): parsed = v
        case .failure(let e): throw malformed("is not valid JSON (\(e.description))")
        }
        guard case .object(var members) = parsed else { throw malformed("is not a JSON object") }
        let hashField = members.removeValue(forKey: "hash")
        let computed = Digest.sha256Hex(PythonJSON.object(members).pythonCanonicalBytes)
        guard computed == name else {
            throw LegacyRecordProblem(file: shownAs, kind: .tampered,
                detail: "its content hashes to \(computed.prefix(12))…, not to its name: it was changed after Python sdetkit wrote it")
        }
        guard case .string(let hash)? = hashField else { throw malformed("has no string member 'hash'") }
        guard hash == name else {
            throw LegacyRecordProblem(file: shownAs, kind: .tampered, detail: "its 'hash' member \(hash.prefix(12))… is not its name")
        }
        let record = PythonJSON.object(members).jsonValue
        guard let task = record["task"]?.stringValue else { throw malformed("has no string member 'task'") }
        guard let status = record["status"]?.stringValue, status == "ok" || status == "error" else {
            throw malformed("member 'status' must be \"ok\" or \"error\"")
        }
        guard let capturedAt = record["captured_at"]?.stringValue, capturedAt.utf8.count == 20,
              let epoch = RunClock.parse(capturedAt) else {
            throw malformed("member 'captured_at' must be a time YYYY-MM-DDTHH:MM:SSZ")
        }
        guard let actions = record["actions"]?.arrayValue else { throw malformed("has no array member 'actions'") }
        for (i, a) in actions.enumerated() {
            guard a["action"]?.stringValue != nil, a["ok"]?.boolValue != nil else {
                throw malformed("actions[\(i)] must be an object with a string 'action' and a boolean 'ok'")
            }
        }
        let steps = record["steps"]?.arrayValue ?? []
        for (i, s) in steps.enumerated() where s.objectValue == nil || s["message"].map({ $0.stringValue == nil }) == true {
            throw malformed("steps[\(i)] must be an object with a string 'message'")
        }
        return LegacyRecord(fileName: fileName, recordHash: name, fileSHA256: Digest.sha256Hex(bytes), bytes: bytes.count,
                            capturedAt: capturedAt, capturedEpoch: epoch, task: task, status: status,
                            actions: actions, steps: steps)
    }

    /// Where this record came from, as kept in the imported run's defining part.
    public var source: ImportSource {
        ImportSource(format: Self.format, file: fileName, sha256: fileSHA256, bytes: bytes, recordHash: recordHash,
                     capturedAt: capturedAt, status: status)
    }
}
