import Foundation

/// Pieces shared by the report's charts: number formatting, axis ticks, text and the
/// legend. Everything is styled with SVG presentation attributes (`fill=`, `stroke=`,
/// `font-size=`), never CSS, so a viewer whose policy blocks inline styles (Jenkins'
/// default) still draws the charts as designed.
enum SVG {
    /// The charts' font, by presentation attribute.
    static let font = "font-family=\"sans-serif\""

    /// Coordinates with at most one decimal and no trailing `.0`: `12`, `12.5`.
    static func number(_ x: Double) -> String {
        let rounded = (x * 10).rounded() / 10
        if rounded == rounded.rounded() { return String(Int(rounded)) }
        return String(format: "%.1f", rounded)
    }

    /// A tick label: integers plainly, fractions with as few decimals as the step needs.
    static func tickLabel(_ x: Double, step: Double) -> String {
        if step >= 1 || x == x.rounded() { return String(Int(x.rounded())) }
        let decimals = max(1, Int(ceil(-log10(step))))
        return String(format: "%.\(decimals)f", x)
    }

    /// About `count` round-numbered ticks (steps of 1, 2 or 5 × 10ⁿ) covering `low…high`.
    static func ticks(_ low: Double, _ high: Double, count: Int = 5) -> (values: [Double], step: Double) {
        guard high > low else { return ([low], 1) }
        let raw = (high - low) / Double(count)
        let magnitude = pow(10, floor(log10(raw)))
        let normal = raw / magnitude
        let step = (normal < 1.5 ? 1 : normal < 3 ? 2 : normal < 7 ? 5 : 10) * magnitude
        var values: [Double] = []
        var t = (low / step).rounded(.up) * step
        while t <= high + step * 1e-9 {
            values.append(t)
            t += step
        }
        return (values, step)
    }

    /// Ticks for a log axis over `low…high` (both > 0): 1, 2 and 5 × 10ⁿ over a wide range,
    /// round linear steps when it spans less than a factor of 4.
    static func logTicks(_ low: Double, _ high: Double) -> [Double] {
        if high / low < 4 { return ticks(low, high, count: 6).values.filter { $0 > 0 } }
        // Under two decades, 1-2-5 leaves too few ticks to read a value off: add 1.5, 3 and 7.
        let steps: [Double] = high / low < 100 ? [1, 1.5, 2, 3, 5, 7] : [1, 2, 5]
        var out: [Double] = []
        var decade = pow(10, floor(log10(low)))
        while decade <= high {
            for m in steps where decade * m >= low && decade * m <= high { out.append(decade * m) }
            decade *= 10
        }
        return out
    }

    /// A round upper bound for an axis that must show `value`: the next tick above it.
    static func niceCeiling(_ value: Double) -> Double {
        guard value > 0 else { return 1 }
        let step = ticks(0, value * 1.08).step
        return (value * 1.08 / step).rounded(.up) * step
    }

    /// The text attributes every chart's `<svg>` sets once (`open`), so its `<text>`s leave
    /// them out: the font, 11 px, black (inherited; the dark scheme recolours the root).
    static let textDefaults = "\(font) font-size=\"11\" fill=\"#000000\""

    /// `<text …>escaped</text>` at (x, y), inside a chart opened by `open`: only the
    /// attributes that differ from `textDefaults` and the start anchor are written.
    static func text(
        _ content: String, x: Double, y: Double, size: Double = 12, anchor: String = "start",
        weight: String? = nil, fill: String = "#000000", rotate: Bool = false
    ) -> String {
        let transform = rotate ? " transform=\"rotate(-90 \(number(x)) \(number(y)))\"" : ""
        let bold = weight.map { " font-weight=\"\($0)\"" } ?? ""
        let sizeAttribute = size == 11 ? "" : " font-size=\"\(number(size))\""
        let anchorAttribute = anchor == "start" ? "" : " text-anchor=\"\(anchor)\""
        let fillAttribute = fill == "#000000" ? "" : " fill=\"\(fill)\""
        return "<text x=\"\(number(x))\" y=\"\(number(y))\"\(sizeAttribute)\(anchorAttribute)\(fillAttribute)\(bold)\(transform)>\(HTML.escape(content))</text>"
    }

    /// A horizontal line from x1 to x2 at y.
    static func hline(x1: Double, x2: Double, y: Double, style: LineStyle) -> String {
        "<line x1=\"\(number(x1))\" y1=\"\(number(y))\" x2=\"\(number(x2))\" y2=\"\(number(y))\" \(style.attributes)/>"
    }

    /// About how wide `text` is drawn at `size` px, erring wide: the report's sans-serif
    /// averages up to 0.62 em a character in words such as `warmup`.
    static func textWidth(_ text: String, size: Double) -> Double { Double(text.count) * size * 0.62 }

    /// The width one legend entry takes: its 28 px sample line, a gap, its name (6.6 px a
    /// character at 12 px) and the space before the next entry.
    private static func legendEntryWidth(_ name: String) -> Double { 34 + Double(name.count) * 6.6 + 16 }

    /// Lines `legend` takes for `names` from x to `maxX` (the same wrapping).
    static func legendRows(_ names: [String], x: Double, maxX: Double) -> Int {
        var rows = 1, cx = x
        for name in names {
            let width = legendEntryWidth(name)
            if cx + width > maxX && cx > x {
                cx = x
                rows += 1
            }
            cx += width
        }
        return rows
    }

    /// A legend: one short sample line and its name per entry, laid out left to right
    /// from (x, y), wrapping before `maxX`.
    static func legend(_ entries: [(name: String, style: LineStyle)], x: Double, y: Double, maxX: Double) -> String {
        var out = "<g>"
        var cx = x, cy = y
        for entry in entries {
            let width = legendEntryWidth(entry.name)
            if cx + width > maxX && cx > x {
                cx = x
                cy += 18
            }
            out += hline(x1: cx, x2: cx + 28, y: cy - 4, style: entry.style)
            out += text(entry.name, x: cx + 34, y: cy, size: 12)
            cx += width
        }
        return out + "</g>"
    }

    /// The opening `<svg>` tag of a chart: sized, labelled for screen readers by its title.
    /// No `xmlns`: inline SVG in HTML needs none, and the page then names no URL at all.
    static func open(id: String, width: Double, height: Double, title: String) -> String {
        "<svg id=\"\(HTML.escape(id))\" width=\"\(number(width))\" height=\"\(number(height))\" "
            + "viewBox=\"0 0 \(number(width)) \(number(height))\" role=\"img\" aria-labelledby=\"\(HTML.escape(id))-title\" \(textDefaults)>"
            + "<title id=\"\(HTML.escape(id))-title\">\(HTML.escape(title))</title>"
            + "<rect x=\"0\" y=\"0\" width=\"\(number(width))\" height=\"\(number(height))\" fill=\"#FFFFFF\"/>"
    }

    /// Pixel points as path data after `M`: `x y` pairs, no repeated `L` (SVG repeats the
    /// last command), a point left out where it lies on the straight horizontal or vertical
    /// stretch between its neighbours as drawn (a flat stretch is two points, however long).
    static func path(_ points: [(Double, Double)]) -> String {
        // Whole pixels: a line's points are already reduced to one or two per pixel column
        // (`SeriesReduction`), so a tenth of a pixel draws nothing a reader sees; written as
        // integers they take about a third less of the page.
        func whole(_ x: Double) -> String { x.isFinite ? String(Int(x.rounded())) : "0" }
        let rounded = points.map { (whole($0.0), whole($0.1)) }
        var kept: [(String, String)] = []
        for (i, p) in rounded.enumerated() {
            if i > 0, i < rounded.count - 1 {
                let a = rounded[i - 1], b = rounded[i + 1]
                if (a.1 == p.1 && p.1 == b.1) || (a.0 == p.0 && p.0 == b.0) { continue }
            }
            kept.append(p)
        }
        return kept.enumerated().map { i, p in (i == 1 ? "L" : i == 0 ? "" : " ") + "\(p.0) \(p.1)" }.joined()
    }
}
