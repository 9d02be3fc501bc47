#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Content scanning beyond one buffer: text files larger than the reader's buffer are scanned in chunks that
/// end on a line boundary, and the members of uncompressed tar files are scanned as `archive.tar!member/path`.
enum Streaming {
    typealias ReadAt = (Int64, UnsafeMutablePointer<UInt8>, Int) -> Int

    /// Streams a large text file through the content rules; returns the bytes scanned.
    static func scanLarge(_ path: String, reader: ContentReader, context: ScanContext,
                          into out: inout [RawFinding]) -> Int {
        var bytes = 0
        var local: [RawFinding] = []
        _ = reader.withRandomAccess(path) { size, readAt in
            let length = min(size, AuditCatalogue.streamScanLimit)
            bytes = scanRange(path, readAt: readAt, start: 0, length: length, reader: reader, context: context,
                              into: &local)
        }
        out += local
        if Workflows.isWorkflow(path) {
            out.append(RawFinding(rule: AuditCatalogue.workflowNotAnalysed, line: nil, normalised: nil,
                                  message: "Workflow not analysed: larger than \(WorkflowModel.maxBytes) bytes"))
        }
        return bytes
    }

    /// Scans `length` bytes from `start` in buffer-sized chunks cut after the last newline (a line longer than
    /// the buffer is cut at the buffer's end). Line numbers continue across chunks.
    static func scanRange(_ path: String, readAt: ReadAt, start: Int64, length: Int64, reader: ContentReader,
                          context: ScanContext, into out: inout [RawFinding]) -> Int {
        let buf = reader.buffer, cap = reader.capacity
        var offset: Int64 = 0, carry = 0, lineBase = 0, total = 0
        while offset < length || carry > 0 {
            let want = Int(min(Int64(cap - carry), length - offset))
            let n = want > 0 ? readAt(start + offset, buf + carry, want) : 0
            if n < 0 { break }
            offset += Int64(n)
            let filled = carry + n
            if filled == 0 { break }
            let atEnd = n == 0 || offset >= length
            var end = filled
            if !atEnd {
                var k = filled - 1
                while k >= 0 && buf[k] != 0x0A { k -= 1 }
                if k >= 0 { end = k + 1 }
            }
            let chunk = UnsafeBufferPointer(start: UnsafePointer(buf), count: end)
            var found: [RawFinding] = []
            FileScanner.scanContent(path: path, chunk, context: context, into: &found, workflows: false)
            for f in found {
                out.append(RawFinding(rule: f.rule, line: f.line.map { $0 + lineBase }, normalised: f.normalised,
                                      message: f.message))
            }
            lineBase += Bytes.countNewlines(UnsafePointer(buf), from: 0, to: end)
            total += end
            carry = filled - end
            if carry > 0 { memmove(buf, buf + end, carry) }
            if atEnd && carry == 0 { break }
        }
        return total
    }

    /// Scans the regular-file members of an uncompressed (ustar, GNU or pax) tar. `emit` gets each member's
    /// display path (`archive.tar!dir/file`) and its findings. Returns the member bytes scanned.
    static func scanTar(_ path: String, reader: ContentReader, context: ScanContext,
                        emit: (String, [RawFinding]) -> Void) -> Int {
        var total = 0
        _ = reader.withRandomAccess(path) { size, readAt in
            if size > AuditCatalogue.streamScanLimit {
                emit(path, [RawFinding(rule: AuditCatalogue.notScanned, line: nil, normalised: nil,
                                       message: "Not scanned: tar archive larger than the "
                                        + "\(AuditCatalogue.streamScanLimit >> 20) MiB streaming cap")])
                return
            }
            var header = [UInt8](repeating: 0, count: 512)
            var offset: Int64 = 0
            var longName: String?
            var probe = [UInt8](repeating: 0, count: AuditCatalogue.binaryProbe)
            while offset + 512 <= size {
                let n = header.withUnsafeMutableBufferPointer { readAt(offset, $0.baseAddress!, 512) }
                guard n == 512, header.contains(where: { $0 != 0 }), validChecksum(header) else { break }
                guard let memberSize = octal(header[124..<136]) else { break }
                let type = header[156]
                let dataStart = offset + 512
                offset = dataStart + (memberSize + 511) / 512 * 512
                var name = longName ?? tarName(header)
                longName = nil
                switch type {
                case UInt8(ascii: "L"), UInt8(ascii: "x"):
                    let len = Int(min(memberSize, 64 * 1024))
                    var meta = [UInt8](repeating: 0, count: len)
                    let got = meta.withUnsafeMutableBufferPointer { readAt(dataStart, $0.baseAddress!, len) }
                    let text = String(decoding: meta.prefix(max(got, 0)), as: UTF8.self)
                    longName = type == UInt8(ascii: "L") ? String(text.prefix { $0 != "\0" }) : paxPath(text)
                    continue
                case 0, UInt8(ascii: "0"), UInt8(ascii: "7"):
                    break
                default:
                    continue
                }
                if name.hasPrefix("./") { name.removeFirst(2) }
                guard !name.isEmpty, memberSize > 0 else { continue }
                let member = path + "!" + name
                let p = min(Int(memberSize), probe.count)
                let got = probe.withUnsafeMutableBufferPointer { readAt(dataStart, $0.baseAddress!, p) }
                if probe.prefix(max(got, 0)).contains(0) { continue }
                var found: [RawFinding] = []
                total += scanRange(member, readAt: readAt, start: dataStart, length: memberSize, reader: reader,
                                   context: context, into: &found)
                if !found.isEmpty { emit(member, found) }
            }
        }
        return total
    }

    static func tarName(_ h: [UInt8]) -> String {
        func field(_ r: Range<Int>) -> String { String(decoding: h[r].prefix { $0 != 0 }, as: UTF8.self) }
        let name = field(0..<100)
        let ustar = h[257..<262].elementsEqual(Array("ustar".utf8))
        let prefix = ustar ? field(345..<500) : ""
        return prefix.isEmpty ? name : prefix + "/" + name
    }

    /// The `path=` record of a pax extended header.
    static func paxPath(_ text: String) -> String? {
        for record in text.split(separator: "\n") {
            guard let space = record.firstIndex(of: " ") else { continue }
            let kv = record[record.index(after: space)...]
            if kv.hasPrefix("path=") { return String(kv.dropFirst(5)) }
        }
        return nil
    }

    static func octal(_ field: ArraySlice<UInt8>) -> Int64? {
        var v: Int64 = 0
        var digits = 0
        for b in field {
            if b == 0 || b == 0x20 { if digits > 0 { break } else { continue } }
            guard b >= 0x30 && b <= 0x37 else { return nil }
            v = v * 8 + Int64(b - 0x30)
            digits += 1
        }
        return v
    }

    /// The header checksum: the byte sum with the checksum field read as spaces.
    static func validChecksum(_ h: [UInt8]) -> Bool {
        guard let stored = octal(h[148..<156]) else { return false }
        var sum: Int64 = 0
        for (i, b) in h.enumerated() { sum += (148..<156).contains(i) ? 0x20 : Int64(b) }
        return sum == stored
    }
}
