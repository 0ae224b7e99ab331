import Foundation

/// The latency judgement as a small interval chart: one row per percentile, on a log scale
/// of the ratio proposed ÷ current. Each round's ratio is an open circle, the estimate a
/// diamond, its interval a bar; a solid vertical line marks ×1 (no change) and a dashed one
/// 1 + tolerance, the line the interval's lower end must cross to block. The row's result
/// is written at its right, so nothing is told by colour alone.
struct SVGIntervalChart {
    struct Row {
        var label: String
        /// One ratio per round.
        var rounds: [Double]
        var estimate: Double
        var lower: Double
        var upper: Double
        /// `within tolerance`, `REGRESSED`, `reported, not judged`.
        var result: String
        /// The bar's colour: regressed, judged, or not judged.
        var fill: String
    }

    var id: String
    var title: String
    var rows: [Row]
    var tolerance: Double
    var width: Double = 880

    private let left = 70.0, right = 190.0, top = 62.0, rowHeight = 46.0, bottom = 44.0

    var height: Double { top + rowHeight * Double(max(rows.count, 1)) + bottom }

    /// `×1.10`, `×0.52`, `×229`.
    static func ratio(_ x: Double) -> String { ReportLatency.ratioText(x) }

    /// The axis range: every value, ×1 and 1 + tolerance, with a margin.
    var range: (low: Double, high: Double) {
        let all = rows.flatMap { $0.rounds + [$0.estimate, $0.lower, $0.upper] }.filter { $0 > 0 && $0.isFinite } + [1, 1 + tolerance]
        return ((all.min() ?? 1) / 1.15, (all.max() ?? 1) * 1.15)
    }

    func render() -> String {
        let plotW = width - left - right
        let (low, high) = range
        func px(_ x: Double) -> Double { left + (log(max(x, low)) - log(low)) / (log(high) - log(low)) * plotW }
        let plotTop = top, plotBottom = top + rowHeight * Double(max(rows.count, 1))
        var out = SVG.open(id: id, width: width, height: height, title: title)
        out += SVG.text(title, x: left, y: 18, size: 15, weight: "bold")
        // Legend: the marks, drawn as they are in the rows.
        var lx = left
        out += "<circle cx=\"\(SVG.number(lx + 6))\" cy=\"36\" r=\"4\" fill=\"#FFFFFF\" stroke=\"#000000\" stroke-width=\"1.5\"/>"
        out += SVG.text("one round's ratio", x: lx + 16, y: 40)
        lx += 140
        out += "<path d=\"M\(SVG.number(lx + 6)) 30 L\(SVG.number(lx + 12)) 36 L\(SVG.number(lx + 6)) 42 L\(SVG.number(lx)) 36 Z\" fill=\"#000000\"/>"
        out += SVG.text("estimate", x: lx + 18, y: 40)
        lx += 90
        out += "<rect x=\"\(SVG.number(lx))\" y=\"32\" width=\"28\" height=\"8\" fill=\"#0072B2\"/>"
        out += SVG.text("interval (regressed only when its left end is past the dashed line)", x: lx + 34, y: 40)
        // Grid and ticks.
        for t in SVG.logTicks(low, high) {
            let x = px(t)
            out += "<line x1=\"\(SVG.number(x))\" y1=\"\(SVG.number(plotTop))\" x2=\"\(SVG.number(x))\" y2=\"\(SVG.number(plotBottom + 5))\" stroke=\"#DDDDDD\" stroke-width=\"1\"/>"
            out += SVG.text("×" + String(format: "%g", (t * 1000).rounded() / 1000), x: x, y: plotBottom + 18, size: 11, anchor: "middle")
        }
        out += "<rect x=\"\(SVG.number(left))\" y=\"\(SVG.number(plotTop))\" width=\"\(SVG.number(plotW))\" height=\"\(SVG.number(plotBottom - plotTop))\" fill=\"none\" stroke=\"#000000\" stroke-width=\"1\"/>"
        out += SVG.text("proposed ÷ current (log scale; ×1 = no change)", x: left + plotW / 2, y: height - 8, size: 12, anchor: "middle")
        // ×1 and 1 + tolerance, labelled above the plot.
        let one = px(1), limit = px(1 + tolerance)
        out += "<line x1=\"\(SVG.number(one))\" y1=\"\(SVG.number(plotTop))\" x2=\"\(SVG.number(one))\" y2=\"\(SVG.number(plotBottom))\" stroke=\"#000000\" stroke-width=\"1.5\"/>"
        out += "<line x1=\"\(SVG.number(limit))\" y1=\"\(SVG.number(plotTop))\" x2=\"\(SVG.number(limit))\" y2=\"\(SVG.number(plotBottom))\" stroke=\"#000000\" stroke-width=\"1.5\" stroke-dasharray=\"5 3\"/>"
        out += SVG.text("×1", x: one - 3, y: plotTop - 4, size: 11, anchor: "end")
        out += SVG.text("×\(String(format: "%.2f", 1 + tolerance)) = 1 + tolerance", x: limit + 3, y: plotTop - 4, size: 11)
        for (i, row) in rows.enumerated() {
            let y = plotTop + rowHeight * (Double(i) + 0.5)
            out += SVG.text(row.label, x: left - 8, y: y + 5, size: 13, anchor: "end", weight: "bold")
            out += "<rect x=\"\(SVG.number(px(row.lower)))\" y=\"\(SVG.number(y - 5))\" width=\"\(SVG.number(max(px(row.upper) - px(row.lower), 1)))\" height=\"10\" fill=\"\(row.fill)\" stroke=\"#000000\" stroke-width=\"0.5\"/>"
            for (k, r) in row.rounds.enumerated() {
                // Rounds above the bar, staggered so equal ratios stay countable.
                out += "<circle cx=\"\(SVG.number(px(r)))\" cy=\"\(SVG.number(y - 13 - Double(k % 2) * 5))\" r=\"4\" fill=\"#FFFFFF\" stroke=\"#000000\" stroke-width=\"1.5\"/>"
            }
            let ex = px(row.estimate)
            out += "<path d=\"M\(SVG.number(ex)) \(SVG.number(y - 7)) L\(SVG.number(ex + 6)) \(SVG.number(y)) L\(SVG.number(ex)) \(SVG.number(y + 7)) L\(SVG.number(ex - 6)) \(SVG.number(y)) Z\" fill=\"#000000\" stroke=\"#FFFFFF\" stroke-width=\"1\"/>"
            out += SVG.text("\(Self.ratio(row.estimate)) (\(Self.ratio(row.lower))–\(Self.ratio(row.upper)))", x: ex, y: y + 20, size: 11, anchor: "middle")
            out += SVG.text(row.result, x: left + plotW + 8, y: y + 4, size: 12, weight: row.result == "REGRESSED" ? "bold" : nil)
        }
        return out + "</svg>"
    }
}
