/// The daily trend as an inline SVG: stacked bars (ok, failed, denied runs per day) and the success-rate line.
/// Coordinates are printed with fixed decimals so the bytes are identical on every machine.
struct DailyChart {
    let days: [DailyPoint]
    /// Most days drawn (the newest); the JSON and CSV hold them all.
    static let maxDays = 90

    let width = 960.0, height = 240.0
    let left = 44.0, right = 44.0, top = 14.0, bottom = 34.0

    func f(_ v: Double) -> String { Fmt.fixed(v, digits: 1) }

    func render() -> String {
        let shown = Array(days.suffix(Self.maxDays))
        let plotW = width - left - right, plotH = height - top - bottom
        let baseY = top + plotH
        var svg = "<svg class=\"chart\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"Runs per day and daily success rate\">\n"
        let maxRuns = max(1, shown.map(\.runs).max() ?? 1)
        // Grid and axes: runs on the left, success rate on the right.
        for k in 0...2 {
            let y = baseY - plotH * Double(k) / 2
            svg += "<line class=\"axis\" x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(width - right))\" y2=\"\(f(y))\"/>"
            let runsLabel = k == 0 ? "0" : Fmt.fixed(Double(maxRuns) * Double(k) / 2, digits: maxRuns % 2 == 0 || k == 2 ? 0 : 1)
            svg += "<text x=\"\(f(left - 6))\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(runsLabel)</text>"
            svg += "<text x=\"\(f(width - right + 6))\" y=\"\(f(y + 4))\">\(k * 50)%</text>\n"
        }
        guard !shown.isEmpty else {
            svg += "<text x=\"\(f(width / 2))\" y=\"\(f(top + plotH / 2))\" text-anchor=\"middle\">no runs in this window</text>\n"
            return svg + "</svg>"
        }
        let slot = plotW / Double(shown.count)
        let barW = max(1, min(40, slot * 0.7))
        var points: [(String, String)] = []
        let labelEvery = max(1, (shown.count + 7) / 8)
        for (i, d) in shown.enumerated() {
            let cx = left + slot * (Double(i) + 0.5)
            let x = cx - barW / 2
            var y = baseY
            svg += "<g><title>\(Fmt.html(d.date)): \(d.runs) runs, \(d.ok) ok, \(d.failed) failed, \(d.denied) denied, \(Fmt.percent(d.successRate)) ok</title>"
            for (cls, n) in [("b-ok", d.ok), ("b-failed", d.failed), ("b-denied", d.denied)] where n > 0 {
                let h = plotH * Double(n) / Double(maxRuns)
                y -= h
                svg += "<rect class=\"\(cls)\" x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(barW))\" height=\"\(f(h))\"/>"
            }
            svg += "</g>\n"
            let ry = baseY - plotH * d.successRate
            points.append((f(cx), f(ry)))
            if i % labelEvery == 0 || i == shown.count - 1 {
                let label = d.date.count == 10 ? String(d.date.dropFirst(5)) : d.date
                svg += "<text x=\"\(f(cx))\" y=\"\(f(baseY + 16))\" text-anchor=\"middle\">\(Fmt.html(label))</text>\n"
            }
        }
        if points.count > 1 { svg += "<polyline class=\"rate\" points=\"\(points.map { "\($0.0),\($0.1)" }.joined(separator: " "))\"/>\n" }
        for (x, y) in points { svg += "<circle class=\"pt\" cx=\"\(x)\" cy=\"\(y)\" r=\"3\"/>" }
        return svg + "\n</svg>"
    }
}

/// The audit score's trend as a small inline SVG: one point per scored audit run (oldest left), on a fixed
/// 0–10 scale so a flat line means a steady score, not a zoomed-in one. Fixed decimals, like ``DailyChart``.
struct ScoreSparkline {
    let points: [AuditPoint]

    let width = 320.0, height = 64.0
    let left = 24.0, right = 8.0, top = 6.0, bottom = 6.0

    func f(_ v: Double) -> String { Fmt.fixed(v, digits: 1) }

    func render() -> String {
        let plotW = width - left - right, plotH = height - top - bottom
        let baseY = top + plotH
        var svg = "<svg class=\"chart spark\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"Audit score per audit run, oldest first\">\n"
        for k in [0, 5, 10] {
            let y = baseY - plotH * Double(k) / 10
            svg += "<line class=\"axis\" x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(width - right))\" y2=\"\(f(y))\"/>"
            svg += "<text x=\"\(f(left - 4))\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(k)</text>\n"
        }
        guard !points.isEmpty else { return svg + "</svg>" }
        let step = points.count > 1 ? plotW / Double(points.count - 1) : 0
        var xy: [(String, String)] = []
        for (i, p) in points.enumerated() {
            let x = points.count > 1 ? left + step * Double(i) : left + plotW / 2
            let y = baseY - plotH * min(10, max(0, p.score)) / 10
            xy.append((f(x), f(y)))
        }
        if xy.count > 1 { svg += "<polyline class=\"rate\" points=\"\(xy.map { "\($0.0),\($0.1)" }.joined(separator: " "))\"/>\n" }
        for (p, (x, y)) in zip(points, xy) {
            svg += "<circle class=\"pt\" cx=\"\(x)\" cy=\"\(y)\" r=\"3\"><title>run \(p.seq), \(Fmt.html(p.capturedAt)): \(Fmt.fixed(p.score, digits: 1)) / 10</title></circle>"
        }
        return svg + "\n</svg>"
    }
}
