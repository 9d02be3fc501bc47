#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where "now" comes from: `SOURCE_DATE_EPOCH` when set (reproducible mode), else the wall clock.
public struct RunClock: Sendable {
    /// Seconds since the Unix epoch, from SOURCE_DATE_EPOCH when it is set.
    public let fixedEpoch: Int64?

    public init(environment: [String: String]) {
        if let raw = environment["SOURCE_DATE_EPOCH"], let v = Int64(raw.trimmingSpaces()), v >= 0 {
            fixedEpoch = v
        } else {
            fixedEpoch = nil
        }
    }

    public init(fixedEpoch: Int64?) { self.fixedEpoch = fixedEpoch }

    public static func fromProcess() -> RunClock { RunClock(environment: ProcessEnv.current()) }

    /// True when SOURCE_DATE_EPOCH pins time: observed data that varies by machine is normalised.
    public var isReproducible: Bool { fixedEpoch != nil }

    public func nowEpochSeconds() -> Int64 {
        if let f = fixedEpoch { return f }
        return Int64(time(nil))
    }

    public func nowRFC3339() -> String { RunClock.rfc3339(epochSeconds: nowEpochSeconds()) }

    /// Monotonic milliseconds, for durations.
    public static func monotonicMillis() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) * 1000 + Double(ts.tv_nsec) / 1_000_000
    }

    /// `YYYY-MM-DDTHH:MM:SSZ` in UTC.
    public static func rfc3339(epochSeconds t: Int64) -> String {
        let (y, m, d) = civil(days: floorDiv(t, 86_400))
        let secs = t - floorDiv(t, 86_400) * 86_400
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(Int(secs / 3600), 2)):\(pad(Int(secs % 3600 / 60), 2)):\(pad(Int(secs % 60), 2))Z"
    }

    /// `YYYY-MM-DD` in UTC.
    public static func date(epochSeconds t: Int64) -> String {
        let (y, m, d) = civil(days: floorDiv(t, 86_400))
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))"
    }

    /// Parses `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SSZ` (UTC) to epoch seconds.
    public static func parse(_ text: String) -> Int64? {
        let u = Array(text.utf8)
        func num(_ a: Int, _ b: Int) -> Int? {
            guard b <= u.count else { return nil }
            var v = 0
            for k in a..<b { guard (0x30...0x39).contains(u[k]) else { return nil }; v = v * 10 + Int(u[k] - 0x30) }
            return v
        }
        guard u.count >= 10, u[4] == 0x2D, u[7] == 0x2D, let y = num(0, 4), let m = num(5, 7), let d = num(8, 10),
              (1...12).contains(m), (1...31).contains(d) else { return nil }
        var secs = 0
        if u.count > 10 {
            guard u.count == 20 || (u.count == 19), u[10] == 0x54 || u[10] == 0x20, let hh = num(11, 13), let mm = num(14, 16),
                  let ss = num(17, 19), hh < 24, mm < 60, ss < 61 else { return nil }
            if u.count == 20 && u[19] != 0x5A { return nil }
            secs = hh * 3600 + mm * 60 + ss
        }
        return days(y: y, m: m, d: d) * 86_400 + Int64(secs)
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }

    static func pad(_ v: Int, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    // Howard Hinnant's civil_from_days / days_from_civil.
    static func civil(days z0: Int64) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (Int(m <= 2 ? y + 1 : y), Int(m), Int(d))
    }

    static func days(y y0: Int, m: Int, d: Int) -> Int64 {
        let y = Int64(m <= 2 ? y0 - 1 : y0)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = Int64(m > 2 ? m - 3 : m + 9)
        let doy = (153 * mp + 2) / 5 + Int64(d) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\n" || f == "\t" || f == "\r" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\n" || l == "\t" || l == "\r" { s.removeLast() }
        return String(s)
    }
}

/// The process environment as a dictionary.
public enum ProcessEnv {
    public static func current() -> [String: String] {
        var out: [String: String] = [:]
        var p = environ
        while let entry = p.pointee {
            let s = String(cString: entry)
            if let eq = s.firstIndex(of: "=") {
                out[String(s[..<eq])] = String(s[s.index(after: eq)...])
            }
            p += 1
        }
        return out
    }
}
