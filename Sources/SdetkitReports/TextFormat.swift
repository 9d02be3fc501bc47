import SdetkitCore

/// Deterministic formatting and escaping shared by the Markdown and HTML renderers (no locale, no Foundation).
enum Fmt {
    /// `61.5%` (one decimal, half away from zero); `—` for nil.
    static func percent(_ fraction: Double?, digits: Int = 1) -> String {
        guard let f = fraction, f.isFinite else { return "—" }
        return fixed(f * 100, digits: digits) + "%"
    }

    /// A fixed-point decimal: `fixed(0.13, digits: 2)` → `0.13`, `fixed(-4.87, 1)` → `-4.9`.
    static func fixed(_ value: Double, digits: Int) -> String {
        guard value.isFinite else { return "—" }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        guard scaled < 9e15 else { return CanonicalJSON.formatNumber(value) }
        let n = Int64(scaled)
        let p = Int64(scale)
        var s = String(n / p)
        if digits > 0 {
            let frac = String(n % p)
            s += "." + String(repeating: "0", count: digits - frac.count) + frac
        }
        return (value < 0 && n != 0 ? "-" : "") + s
    }

    /// `1,234,567`.
    static func count(_ n: Int) -> String {
        let digits = String(abs(n))
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    static func ms(_ v: Int?) -> String { v.map { "\(count($0)) ms" } ?? "—" }

    /// One line (CR, LF, TAB and other C0 controls as spaces), cut to `max` characters with `…`.
    static func oneLine(_ s: String, max: Int) -> String {
        var out = ""
        var n = 0
        for ch in s {
            if n == max { if !out.isEmpty { out.removeLast() }; out.append("…"); return out }
            if let a = ch.asciiValue, a < 0x20 || a == 0x7F { out.append(" ") } else { out.append(ch) }
            n += 1
        }
        return out
    }

    /// Escapes `& < > " '` for HTML text and attribute values.
    static func html(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(u)
            }
        }
        return out
    }

    /// A Markdown table cell: one line, cut to `max` characters, HTML-significant characters as entities and
    /// Markdown punctuation backslash-escaped, so user text can neither break the table nor inject markup.
    static func mdCell(_ s: String, max: Int = 100) -> String {
        var out = ""
        for u in oneLine(s, max: max).unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "|", "\\", "`", "*", "_", "[", "]", "~":
                out += "\\"; out.unicodeScalars.append(u)
            default: out.unicodeScalars.append(u)
            }
        }
        return out
    }

    static func shortHash(_ h: String) -> String { String(h.prefix(12)) }
}

/// Base64 (RFC 4648), for the Content-Security-Policy script hash.
enum Base64 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            let b0 = bytes[i], b1 = i + 1 < bytes.count ? bytes[i + 1] : 0, b2 = i + 2 < bytes.count ? bytes[i + 2] : 0
            out.append(alphabet[Int(b0 >> 2)])
            out.append(alphabet[Int((b0 & 3) << 4 | b1 >> 4)])
            out.append(i + 1 < bytes.count ? alphabet[Int((b1 & 15) << 2 | b2 >> 6)] : UInt8(ascii: "="))
            out.append(i + 2 < bytes.count ? alphabet[Int(b2 & 63)] : UInt8(ascii: "="))
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func fromHex(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var hi: UInt8?
        for c in hex.utf8 {
            let v: UInt8 = c >= 97 ? c - 87 : (c >= 65 ? c - 55 : c - 48)
            if let h = hi { out.append(h << 4 | v); hi = nil } else { hi = v }
        }
        return out
    }
}
