import Foundation

/// The latency percentile distribution, HdrHistogram-style: the x axis is `1/(1−p)` on a
/// log scale, so 50%, 90%, 99%, 99.9% and 99.99% are equally spaced and the tail gets as
/// much room as the body; the y axis is latency in ms. Each side is one line (its colour and
/// dash pattern), read from its merged histogram at `LatencyDistribution.levels`, ending at
/// its maximum (drawn at `1 − 1/n`, the last percentile n logins can tell apart) with a dot.
struct SVGPercentileChart {
    struct Side {
        var name: String
        var style: LineStyle
        var distribution: LatencyDistribution
    }

    var id: String
    var title: String
    var sides: [Side]
    var width: Double = 880
    var height: Double = 360

    private let left = 64.0, right = 24.0, top = 76.0, bottom = 48.0

    /// Whether latency is drawn on a log scale: when the slowest login is more than 20 times
    /// the fastest side's median, a linear axis would flatten the faster side onto zero.
    var logScale: Bool {
        let medians = sides.filter { $0.distribution.total > 0 }.map { Double($0.distribution.value(atPercent: 50)) }
        let highest = Double(sides.map(\.distribution.max).max() ?? 0)
        guard let fastest = medians.min(), fastest > 0 else { return false }
        return highest / fastest > 20
    }

    /// Decades of `1/(1−p)` on the x axis: to 99.99% at least, further when a side has the
    /// logins to resolve it (at most 99.9999%).
    var decades: Int {
        let most = Double(sides.map(\.distribution.total).max() ?? 0)
        return min(6, max(4, Int(ceil(log10(max(most, 1))))))
    }

    /// The points of one side's line: (percent, µs) at each level it resolves, then its max.
    func points(_ d: LatencyDistribution) -> [(percent: Double, micros: UInt64)] {
        guard d.total > 0 else { return [] }
        let limit = d.resolvablePercent
        var out = LatencyDistribution.levels(decades: decades).filter { $0 < limit - 1e-9 }.map { ($0, d.value(atPercent: $0)) }
        out.append((limit, d.max))
        return out
    }

    /// `1/(1−p)` for a percent, capped so 100% stays on the chart.
    static func inverse(_ percent: Double) -> Double { 1 / max(1 - percent / 100, 1e-9) }

    /// `, p99 18.8 ms, max 47.8 ms (●)`.
    static func legendNote(_ d: LatencyDistribution) -> String {
        guard d.total > 0 else { return ": no logins measured" }
        return ", p50 \(ms(d.value(atPercent: 50))), p99 \(ms(d.value(atPercent: 99))), max \(ms(d.max)) (●)"
    }

    /// Microseconds as `6.5 ms`, `2004 ms`.
    static func ms(_ micros: UInt64) -> String {
        let v = Double(micros) / 1000
        return (v >= 100 ? String(format: "%.0f", v) : String(format: "%.1f", v)) + " ms"
    }

    func render() -> String {
        let plotW = width - left - right, plotH = height - top - bottom
        let xTop = pow(10, Double(decades))
        let highest = Double(sides.map(\.distribution.max).max() ?? 0) / 1000
        let lowest = Double(sides.filter { $0.distribution.total > 0 }.map { $0.distribution.value(atPercent: 0) }.min() ?? 0) / 1000
        let log = logScale
        let yTop = log ? highest * 1.15 : SVG.niceCeiling(highest)
        let yBottom = log ? max(lowest / 1.15, 0.001) : 0
        func px(_ percent: Double) -> Double { left + log10(min(Self.inverse(percent), xTop)) / log10(xTop) * plotW }
        func py(_ ms: Double) -> Double {
            let v = min(max(ms, yBottom), yTop)
            let share = log ? (log10(v) - log10(yBottom)) / (log10(yTop) - log10(yBottom)) : v / yTop
            return top + plotH - share * plotH
        }

        var out = SVG.open(id: id, width: width, height: height, title: title)
        out += SVG.text(title, x: left, y: 18, size: 15, weight: "bold")
        out += SVG.legend(sides.map { ($0.name + Self.legendNote($0.distribution), $0.style) }, x: left, y: 40, maxX: width - 8)
        let grid = LineStyle(color: "#DDDDDD", dash: nil, width: 1)
        let yTicks = log ? (SVG.logTicks(yBottom, yTop), 0.1) : SVG.ticks(0, yTop)
        for t in yTicks.0 {
            out += SVG.hline(x1: left, x2: left + plotW, y: py(t), style: grid)
            out += SVG.text(SVG.tickLabel(t, step: log ? (t < 1 ? 0.1 : 1) : yTicks.1), x: left - 6, y: py(t) + 4, size: 11, anchor: "end")
        }
        // Ticks at 0%, 50%, 90%, 99%, …: a vertical grid line and the percentile under it.
        let tickPercents = [0.0, 50] + (1...decades).map { 100 * (1 - pow(10, -Double($0))) }.filter { $0 > 50 }
        for p in tickPercents {
            let x = px(p)
            out += "<line x1=\"\(SVG.number(x))\" y1=\"\(SVG.number(top))\" x2=\"\(SVG.number(x))\" y2=\"\(SVG.number(top + plotH + 5))\" stroke=\"#DDDDDD\" stroke-width=\"1\"/>"
            out += SVG.text(LatencyDistribution.percentLabel(p), x: x, y: top + plotH + 18, size: 11, anchor: "middle")
        }
        out += "<rect x=\"\(SVG.number(left))\" y=\"\(SVG.number(top))\" width=\"\(SVG.number(plotW))\" height=\"\(SVG.number(plotH))\" fill=\"none\" stroke=\"#000000\" stroke-width=\"1\"/>"
        out += SVG.text("percentile (log scale of 1/(1−p): each step right is ten times rarer)", x: left + plotW / 2, y: height - 8, size: 12, anchor: "middle")
        out += SVG.text(log ? "latency (ms, log scale)" : "latency (ms)", x: 16, y: top + plotH / 2, size: 12, anchor: "middle", rotate: true)
        for side in sides {
            let points = points(side.distribution)
            guard !points.isEmpty else { continue }
            let d = points.enumerated().map { i, p in
                "\(i == 0 ? "M" : "L")\(SVG.number(px(p.percent))) \(SVG.number(py(Double(p.micros) / 1000)))"
            }.joined(separator: " ")
            out += "<path d=\"\(d)\" fill=\"none\" \(side.style.attributes) stroke-linejoin=\"round\"><title>\(HTML.escape(side.name))</title></path>"
        }
        for side in sides {
            guard let last = points(side.distribution).last else { continue }
            out += "<circle cx=\"\(SVG.number(px(last.percent)))\" cy=\"\(SVG.number(py(Double(last.micros) / 1000)))\" r=\"4\" fill=\"\(side.style.color)\" stroke=\"#000000\" stroke-width=\"1\"/>"
        }
        return out + "</svg>"
    }
}
