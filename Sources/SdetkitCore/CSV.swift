/// RFC 4180 CSV writing with spreadsheet-formula neutralisation.
///
/// Fields containing a comma, quote, CR or LF are quoted (quotes doubled); records end in CRLF.
/// A field that starts with `=`, `+`, `-`, `@`, TAB or CR gets a leading `'`, so spreadsheets
/// show it as text instead of evaluating it (OWASP "CSV injection").
public enum CSV {
    /// The UTF-8 byte-order mark. Excel and LibreOffice read a CSV file as UTF-8 on a default import only when it
    /// starts with these bytes; without them non-ASCII text shows as mojibake (`Ã¼` for `ü`).
    public static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    public static func neutralise(_ field: String) -> String {
        guard let first = field.utf8.first else { return field }
        switch first {
        case UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 0x09, 0x0D:
            return "'" + field
        default:
            return field
        }
    }

    public static func appendField(_ raw: String, neutralising: Bool = true, into out: inout [UInt8]) {
        let field = neutralising ? neutralise(raw) : raw
        let needsQuotes = field.utf8.withContiguousStorageIfAvailable { buf in
            for b in buf where b == 0x2C || b == 0x22 || b == 0x0A || b == 0x0D { return true }
            return false
        } ?? field.utf8.contains { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }
        if !needsQuotes {
            out.append(contentsOf: field.utf8)
            return
        }
        out.append(UInt8(ascii: "\""))
        for b in field.utf8 {
            if b == UInt8(ascii: "\"") { out.append(UInt8(ascii: "\"")) }
            out.append(b)
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Appends one record (fields joined by commas, CRLF-terminated).
    public static func appendRow(_ fields: [String], into out: inout [UInt8]) {
        for (i, f) in fields.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            appendField(f, into: &out)
        }
        out.append(contentsOf: [0x0D, 0x0A])
    }

    public static func row(_ fields: [String]) -> String {
        var out: [UInt8] = []
        appendRow(fields, into: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
