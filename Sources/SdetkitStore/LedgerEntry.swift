import SdetkitCore

/// One line of the append-only ledger: a run's place in history plus its observed metadata.
///
/// `chain` = SHA-256 of the canonical JSON of the entry without `chain`; `prev` is the previous entry's
/// `chain` (64 zeros for the first), so any removal, insertion, reordering or edit breaks the chain.
public struct LedgerEntry: Sendable, Hashable {
    public static let genesis = String(repeating: "0", count: 64)

    public var seq: Int
    public var hash: String
    public var capturedAt: String
    public var durationMs: Int
    public var tool: String
    public var host: String?
    public var notes: [String]
    /// Who caused the run (optional; entries written before it existed have none).
    public var origin: RunOrigin?
    public var prev: String
    public var chain: String

    public init(seq: Int, hash: String, observation: RunObservation, prev: String) {
        self.seq = seq
        self.hash = hash
        self.capturedAt = observation.capturedAt
        self.durationMs = observation.durationMs
        self.tool = observation.tool
        self.host = observation.host
        self.notes = observation.notes
        self.origin = observation.origin
        self.prev = prev
        self.chain = ""
        self.chain = computedChain
    }

    /// The entry's fields except `chain`.
    var unchainedJSON: JSONValue {
        var o: [String: JSONValue] = [
            "seq": .int(seq), "hash": .string(hash), "captured_at": .string(capturedAt),
            "duration_ms": .int(durationMs), "tool": .string(tool), "prev": .string(prev),
        ]
        if let host { o["host"] = .string(host) }
        if !notes.isEmpty { o["notes"] = .array(notes.map { .string($0) }) }
        if let origin { o["origin"] = origin.json }
        return .object(o)
    }

    public var computedChain: String { Digest.sha256Hex(CanonicalJSON.encode(unchainedJSON)) }

    public var json: JSONValue {
        guard case .object(var o) = unchainedJSON else { return unchainedJSON }
        o["chain"] = .string(chain)
        return .object(o)
    }

    /// The ledger line, without the newline.
    public var line: [UInt8] { CanonicalJSON.encode(json) }

    public var observation: RunObservation {
        RunObservation(capturedAt: capturedAt, durationMs: durationMs, tool: tool, host: host, notes: notes, origin: origin)
    }

    /// Parses a ledger line. Returns nil when a required field is missing or of the wrong type.
    public init?(json: JSONValue) {
        guard let seq = json["seq"]?.intValue, let hash = json["hash"]?.stringValue,
              let captured = json["captured_at"]?.stringValue, let prev = json["prev"]?.stringValue,
              let chain = json["chain"]?.stringValue else { return nil }
        self.seq = seq
        self.hash = hash
        self.capturedAt = captured
        self.durationMs = json["duration_ms"]?.intValue ?? 0
        self.tool = json["tool"]?.stringValue ?? ""
        self.host = json["host"]?.stringValue
        self.notes = (json["notes"]?.arrayValue ?? []).compactMap(\.stringValue)
        if let o = json["origin"] {
            guard let origin = RunOrigin(json: o) else { return nil }
            self.origin = origin
        } else {
            self.origin = nil
        }
        self.prev = prev
        self.chain = chain
    }

    public init?(line: ArraySlice<UInt8>) {
        guard let v = try? JSONParser.parse(bytes: Array(line)) else { return nil }
        self.init(json: v)
    }
}
