extension JSONValue {
    /// Human-readable JSON: keys sorted (as in canonical form), two-space indent, trailing newline.
    public func prettyPrinted() -> String {
        var out: [UInt8] = []
        JSONValue.writePretty(self, indent: 0, into: &out)
        out.append(0x0A)
        return String(decoding: out, as: UTF8.self)
    }

    /// Canonical (RFC 8785) single-line JSON text.
    public func canonicalString() -> String { CanonicalJSON.string(self) }

    static func writePretty(_ v: JSONValue, indent: Int, into out: inout [UInt8]) {
        func pad(_ n: Int) { out.append(contentsOf: repeatElement(0x20, count: n * 2)) }
        switch v {
        case .array(let a) where !a.isEmpty:
            out.append(UInt8(ascii: "["))
            for (i, e) in a.enumerated() {
                out.append(contentsOf: i == 0 ? [0x0A] : [UInt8(ascii: ","), 0x0A])
                pad(indent + 1)
                writePretty(e, indent: indent + 1, into: &out)
            }
            out.append(0x0A); pad(indent); out.append(UInt8(ascii: "]"))
        case .object(let o) where !o.isEmpty:
            out.append(UInt8(ascii: "{"))
            for (i, k) in o.keys.sorted(by: CanonicalJSON.utf16Less).enumerated() {
                out.append(contentsOf: i == 0 ? [0x0A] : [UInt8(ascii: ","), 0x0A])
                pad(indent + 1)
                CanonicalJSON.writeString(k, into: &out)
                out.append(contentsOf: [UInt8(ascii: ":"), 0x20])
                writePretty(o[k]!, indent: indent + 1, into: &out)
            }
            out.append(0x0A); pad(indent); out.append(UInt8(ascii: "}"))
        default:
            CanonicalJSON.write(v, into: &out)
        }
    }
}
