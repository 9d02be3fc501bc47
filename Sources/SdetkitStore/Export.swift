import SdetkitCore

public enum ExportFormat: String, Sendable, CaseIterable {
    case csv, json, jsonl
}

extension HistoryStore {
    /// Streams the history in `format` to `sink` in chunks of about 64 KiB; memory stays flat in the number of runs.
    public func export(format: ExportFormat, filter: RunFilter = RunFilter(), sink: ([UInt8]) throws -> Void) throws {
        var buf: [UInt8] = []
        buf.reserveCapacity(70_000)
        func flushIfFull() throws {
            if buf.count >= 65_536 { try sink(buf); buf.removeAll(keepingCapacity: true) }
        }
        var first = true
        switch format {
        case .csv: CSV.appendRow(IndexedRun.csvHeader, into: &buf)
        case .json: buf.append(UInt8(ascii: "["))
        case .jsonl: break
        }
        try forEachRun(where: filter) { run in
            switch format {
            case .csv:
                CSV.appendRow(run.csvFields, into: &buf)
            case .json:
                buf.append(contentsOf: first ? [0x0A] : [UInt8(ascii: ","), 0x0A])
                CanonicalJSON.write(run.json, into: &buf)
            case .jsonl:
                CanonicalJSON.write(run.json, into: &buf)
                buf.append(0x0A)
            }
            first = false
            try flushIfFull()
        }
        if format == .json { buf.append(contentsOf: first ? [UInt8(ascii: "]"), 0x0A] : [0x0A, UInt8(ascii: "]"), 0x0A]) }
        if !buf.isEmpty { try sink(buf) }
    }
}
