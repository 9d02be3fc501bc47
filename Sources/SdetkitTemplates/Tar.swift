import SdetkitCore

/// One regular file in a tar archive.
public struct TarEntry: Sendable, Hashable {
    public var name: String
    public var bytes: [UInt8]
    public init(name: String, bytes: [UInt8]) {
        self.name = name
        self.bytes = bytes
    }
}

/// Reproducible POSIX ustar archives: entries sorted by name (bytewise), regular files only, mode 0644,
/// uid/gid 0, empty user/group names, one fixed mtime, zero-padded to a 10240-byte record.
public enum Tar {
    static let block = 512
    static let record = 10_240

    public static func archive(_ entries: [TarEntry], mtime: Int64 = 0) throws(TemplateError) -> [UInt8] {
        var out: [UInt8] = []
        var seen = Set<String>()
        for e in entries.sorted(by: { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }) {
            guard seen.insert(e.name).inserted else { throw .usage("tar: '\(e.name)' is listed twice") }
            out.append(contentsOf: try header(name: e.name, size: e.bytes.count, mtime: mtime))
            out.append(contentsOf: e.bytes)
            let pad = (block - e.bytes.count % block) % block
            out.append(contentsOf: repeatElement(0, count: pad))
        }
        out.append(contentsOf: repeatElement(0, count: 2 * block))
        let tail = (record - out.count % record) % record
        out.append(contentsOf: repeatElement(0, count: tail))
        return out
    }

    static func header(name: String, size: Int, mtime: Int64) throws(TemplateError) -> [UInt8] {
        let (prefix, base) = try split(name)
        var h = [UInt8](repeating: 0, count: block)
        put(&h, 0, 100, Array(base.utf8))
        put(&h, 100, 8, octal(0o644, width: 7))
        put(&h, 108, 8, octal(0, width: 7))
        put(&h, 116, 8, octal(0, width: 7))
        put(&h, 124, 12, octal(Int64(size), width: 11))
        put(&h, 136, 12, octal(max(0, mtime), width: 11))
        put(&h, 148, 8, Array(repeating: UInt8(ascii: " "), count: 8))
        h[156] = UInt8(ascii: "0")
        put(&h, 257, 6, Array("ustar\0".utf8))
        put(&h, 263, 2, Array("00".utf8))
        put(&h, 329, 8, octal(0, width: 7))
        put(&h, 337, 8, octal(0, width: 7))
        put(&h, 345, 155, Array(prefix.utf8))
        let sum = h.reduce(0) { $0 + Int64($1) }
        put(&h, 148, 8, octal(sum, width: 6) + [0, UInt8(ascii: " ")])
        return h
    }

    /// ustar keeps names up to 100 bytes, or a prefix (≤ 155) and a name (≤ 100) split at a '/'.
    static func split(_ name: String) throws(TemplateError) -> (String, String) {
        let u = Array(name.utf8)
        guard !u.isEmpty, !name.hasPrefix("/"), !Path.components(name).contains("..") else {
            throw .usage("tar: '\(name)' is not a relative path inside the archive")
        }
        if u.count <= 100 { return ("", name) }
        for i in stride(from: min(u.count - 1, 155), through: 1, by: -1) where u[i] == UInt8(ascii: "/") {
            if u.count - i - 1 <= 100 && u.count - i - 1 > 0 {
                return (String(decoding: u[..<i], as: UTF8.self), String(decoding: u[(i + 1)...], as: UTF8.self))
            }
        }
        throw .usage("tar: path '\(name)' is too long for a ustar archive (name ≤ 100 bytes after a ≤ 155-byte directory)")
    }

    static func put(_ h: inout [UInt8], _ at: Int, _ width: Int, _ bytes: [UInt8]) {
        for (i, b) in bytes.prefix(width).enumerated() { h[at + i] = b }
    }

    static func octal(_ v: Int64, width: Int) -> [UInt8] {
        var digits = Array(String(v, radix: 8).utf8)
        if digits.count < width { digits = Array(repeating: UInt8(ascii: "0"), count: width - digits.count) + digits }
        return digits + [0]
    }

    /// Reads an archive written by ``archive(_:mtime:)`` (or any ustar archive of regular files and
    /// directories). Header checksums are verified; anything else is an integrity error.
    public static func entries(_ bytes: [UInt8]) throws(TemplateError) -> [TarEntry] {
        var out: [TarEntry] = []
        var at = 0
        while true {
            guard at + block <= bytes.count else {
                throw .integrity("the archive is truncated (no end-of-archive marker); it is not a complete tar file")
            }
            let h = Array(bytes[at..<(at + block)])
            if h.allSatisfy({ $0 == 0 }) { return out }
            guard let stored = parseOctal(h[148..<156]) else { throw .integrity("tar header at byte \(at) has no readable checksum") }
            var copy = h
            for i in 148..<156 { copy[i] = UInt8(ascii: " ") }
            guard copy.reduce(0, { $0 + Int64($1) }) == stored else {
                throw .integrity("tar header at byte \(at) is corrupt (checksum mismatch)")
            }
            guard Array(h[257..<262]) == Array("ustar".utf8) else { throw .integrity("entry at byte \(at) is not a ustar header") }
            guard let size = parseOctal(h[124..<136]), size >= 0 else { throw .integrity("tar header at byte \(at) has an unreadable size") }
            let name = cString(h[0..<100])
            let prefix = cString(h[345..<500])
            let full = prefix.isEmpty ? name : prefix + "/" + name
            let type = h[156]
            let dataStart = at + block
            let dataEnd = dataStart + Int(size)
            guard dataEnd <= bytes.count else { throw .integrity("entry '\(full)' is truncated") }
            switch type {
            case UInt8(ascii: "0"), 0: out.append(TarEntry(name: full, bytes: Array(bytes[dataStart..<dataEnd])))
            case UInt8(ascii: "5"): break
            default: throw .integrity("entry '\(full)' is not a regular file (type '\(Character(Unicode.Scalar(type)))')")
            }
            at = dataStart + (Int(size) + block - 1) / block * block
        }
    }

    static func parseOctal(_ field: ArraySlice<UInt8>) -> Int64? {
        var v: Int64 = 0
        var any = false
        for b in field {
            if b == 0 || b == UInt8(ascii: " ") { if any { break } else { continue } }
            guard (0x30...0x37).contains(b) else { return nil }
            v = v * 8 + Int64(b - 0x30)
            any = true
        }
        return any ? v : nil
    }

    static func cString(_ field: ArraySlice<UInt8>) -> String {
        String(decoding: field.prefix(while: { $0 != 0 }), as: UTF8.self)
    }
}
