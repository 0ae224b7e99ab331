/// A line chart as inline SVG: series over time, horizontal threshold lines labelled at
/// their right end, background bands for phases, axes with round ticks and labels with
/// units, a legend, and a title. Dense series are thinned by `SeriesReduction.minMax`
/// (one bucket per horizontal pixel), so peaks always stay drawn; points on a flat
/// stretch between their neighbours are left out of the path (`SVG.path`).
/// `stacked` draws the series as areas stacked bottom to top (their points share x values),
/// each band tinted and its top edge in the series' line style.
struct SVGLineChart {
    /// One line.
    struct Series {
        var name: String
        var style: LineStyle
        var points: [ChartPoint]
        /// Whether to mark the series' highest point with a dot and its value.
        var markPeak = false
    }

    /// A horizontal line at a limit, e.g. `usable 97`.
    struct Threshold {
        var label: String
        var value: Double
        var style: LineStyle
    }

    /// A stretch of the x axis shaded and labelled, e.g. the spike phase.
    struct Band {
        var label: String
        var from: Double
        var to: Double
        var fill: String
    }

    /// An interval marked along the top of the plot in a series' colour, e.g. 100 ms in
    /// which the server refused logins: the stretch `x − span … x`. Marks of one group that
    /// touch (or lie within 3 px) draw as one bar, its tooltip the group and the time span
    /// (`proposed: logins refused from 2.0 s to 6.1 s`).
    struct Mark {
        var x: Double
        var span: Double
        var group: String
        var style: LineStyle
    }

    /// A vertical line at x across the plot, labelled at its top, e.g. the first failure.
    struct Marker {
        var x: Double
        var label: String
        var style: LineStyle
    }

    var id: String
    var title: String
    /// With its unit: `time into the trial (s)`.
    var xLabel: String
    /// With its unit: `server connections`.
    var yLabel: String
    var series: [Series]
    var thresholds: [Threshold] = []
    var bands: [Band] = []
    var marks: [Mark] = []
    var markers: [Marker] = []
    /// Series as stacked areas rather than lines.
    var stacked = false
    /// The top of the y axis; by default a round number above every point and threshold.
    var yMax: Double? = nil
    /// The bottom of the y axis: 0, or a round number below the lowest point when a series
    /// goes negative (a difference), with a line at 0.
    var yMin: Double? = nil
    /// The right end of the x axis, to share one time scale between charts; by default the
    /// last point or band.
    var xMax: Double? = nil
    var width: Double = 880
    var height: Double = 320
    /// Room right of the plot for the thresholds' labels.
    var right: Double = 140
    /// Where a marked peak is, in the legend: `at 0.1 s` for a time axis.
    var peakPlace: @Sendable (String) -> String = { "at \($0) s" }

    // Plot area margins: room for tick labels and the axis label on the left, threshold
    // labels on the right, title and legend on top, ticks and the x label below.
    // A legend that wraps onto more lines pushes the plot down (and the chart grows by as much).
    private let left = 64.0, bottom = 48.0
    private var legendExtra: Double {
        Double(SVG.legendRows(series.map { $0.name + peakNote($0) }, x: left, maxX: width - 8) - 1) * 18
    }
    private var top: Double { 58 + legendExtra }

    /// `, peak 97 at 0.1 s (●)` for a series whose peak is marked.
    func peakNote(_ s: Series) -> String {
        guard s.markPeak, let peak = s.points.max(by: { $0.y < $1.y }) else { return "" }
        return ", peak \(SVG.tickLabel(peak.y, step: 1)) \(peakPlace(SVG.tickLabel(peak.x, step: 0.1))) (●)"
    }

    /// The SVG element.
    func render() -> String {
        let top = self.top, height = self.height + legendExtra
        let plotW = width - left - right, plotH = height - top - bottom
        let all = series.flatMap(\.points)
        let xMin = min(all.map(\.x).min() ?? 0, bands.map(\.from).min() ?? .infinity)
        let dataMax = max(all.map(\.x).max() ?? 1, bands.map(\.to).max() ?? -.infinity, xMax ?? -.infinity)
        let x0 = xMin.isFinite ? xMin : 0, x1 = dataMax > x0 ? dataMax : x0 + 1
        let drawn = stacked ? Self.stack(series) : series.map(\.points)
        let highest = max(drawn.last.map { $0.map(\.y).max() ?? 0 } ?? 0, all.map(\.y).max() ?? 0, thresholds.map(\.value).max() ?? 0)
        let y1 = yMax ?? SVG.niceCeiling(highest)
        let lowest = all.map(\.y).min() ?? 0
        let y0 = yMin ?? (lowest < 0 ? -SVG.niceCeiling(-lowest) : 0)
        func px(_ x: Double) -> Double { left + (x - x0) / (x1 - x0) * plotW }
        func py(_ y: Double) -> Double { top + plotH - (min(max(y, y0), y1) - y0) / (y1 - y0) * plotH }

        var out = SVG.open(id: id, width: width, height: height, title: title)
        out += SVG.text(title, x: left, y: 18, size: 15, weight: "bold")
        out += SVG.legend(series.map { ($0.name + peakNote($0), $0.style) }, x: left, y: 40, maxX: width - 8)
        for band in bands {
            let a = px(band.from), b = px(band.to)
            out += "<rect x=\"\(SVG.number(a))\" y=\"\(SVG.number(top))\" width=\"\(SVG.number(max(b - a, 0)))\" height=\"\(SVG.number(plotH))\" fill=\"\(band.fill)\"/>"
            // A label that would not fit its band is left out (the bands of a small chart):
            // the shading still shows the phase, and the full-size chart above names it.
            if b - a >= SVG.textWidth(band.label, size: 11) + 6 { out += SVG.text(band.label, x: (a + b) / 2, y: top + 13, size: 11, anchor: "middle", fill: "#333333") }
        }
        // Axes and grid.
        // Grid lines and tick marks share their stroke through a group.
        let yTicks = SVG.ticks(y0, y1)
        out += "<g stroke=\"#DDDDDD\" stroke-width=\"1\">" + yTicks.values.map { t in
            "<line x1=\"\(SVG.number(left))\" y1=\"\(SVG.number(py(t)))\" x2=\"\(SVG.number(left + plotW))\" y2=\"\(SVG.number(py(t)))\"/>"
        }.joined() + "</g>"
        for t in yTicks.values {
            out += SVG.text(SVG.tickLabel(t, step: yTicks.step), x: left - 6, y: py(t) + 4, size: 11, anchor: "end")
        }
        let xTicks = SVG.ticks(x0, x1, count: plotW < 400 ? 5 : 10)
        out += "<g stroke=\"#000000\" stroke-width=\"1\">" + xTicks.values.map { t in
            "<line x1=\"\(SVG.number(px(t)))\" y1=\"\(SVG.number(top + plotH))\" x2=\"\(SVG.number(px(t)))\" y2=\"\(SVG.number(top + plotH + 5))\"/>"
        }.joined() + "</g>"
        for t in xTicks.values {
            out += SVG.text(SVG.tickLabel(t, step: xTicks.step), x: px(t), y: top + plotH + 18, size: 11, anchor: "middle")
        }
        out += "<rect x=\"\(SVG.number(left))\" y=\"\(SVG.number(top))\" width=\"\(SVG.number(plotW))\" height=\"\(SVG.number(plotH))\" fill=\"none\" stroke=\"#000000\" stroke-width=\"1\"/>"
        if y0 < 0 { out += SVG.hline(x1: left, x2: left + plotW, y: py(0), style: LineStyle(color: "#000000", dash: nil, width: 1)) }
        out += SVG.text(xLabel, x: left + plotW / 2, y: height - 8, size: 12, anchor: "middle")
        out += SVG.text(yLabel, x: 16, y: top + plotH / 2, size: 12, anchor: "middle", rotate: true)
        // Thresholds, labelled at the right; labels nudged apart when two lines are close.
        var lastLabelY = -Double.infinity
        for threshold in thresholds.sorted(by: { $0.value > $1.value }) {
            let y = py(threshold.value)
            out += SVG.hline(x1: left, x2: left + plotW, y: y, style: threshold.style)
            let labelY = max(y + 4, lastLabelY + 13)
            out += SVG.text(threshold.label, x: left + plotW + 6, y: labelY, size: 11)
            lastLabelY = labelY
        }
        // Series, thinned to two points per two pixel columns at most (a peak is one of them).
        let buckets = Int(plotW / 2)
        if stacked {
            // Bands painted from the top one down, each from the axis up to its cumulative
            // line, so each shows between its line and the one below; then the top edges.
            let base = SVG.number(py(max(y0, 0)))
            for (s, line) in zip(series, drawn).reversed() {
                let points = SeriesReduction.minMax(line, buckets: buckets).map { (px($0.x), py($0.y)) }
                guard let first = points.first, let last = points.last else { continue }
                out += "<path d=\"M\(SVG.number(first.0)) \(base)L" + SVG.path(points) + " \(SVG.number(last.0)) \(base)Z\" fill=\"\(ReportPalette.tint(s.style.color))\" stroke=\"none\"/>"
            }
        }
        for (s, line) in zip(series, drawn) {
            let points = SeriesReduction.minMax(line, buckets: buckets).map { (px($0.x), py($0.y)) }
            guard !points.isEmpty else { continue }
            out += "<path d=\"M\(SVG.path(points))\" fill=\"none\" \(s.style.attributes) stroke-linejoin=\"round\"><title>\(HTML.escape(s.name))</title></path>"
        }
        // Markers: a vertical line each, labelled at the top, one label under the other.
        for (i, marker) in markers.enumerated() {
            let x = px(marker.x)
            out += "<line x1=\"\(SVG.number(x))\" y1=\"\(SVG.number(top))\" x2=\"\(SVG.number(x))\" y2=\"\(SVG.number(top + plotH))\" \(marker.style.attributes)/>"
            let rightHalf = x > left + plotW * 0.6
            out += SVG.text(marker.label, x: x + (rightHalf ? -4 : 4), y: top + 26 + Double(i) * 13, size: 11,
                            anchor: rightHalf ? "end" : "start", weight: "bold", fill: marker.style.color)
        }
        // Marks hang from the plot's top edge: runs of neighbouring columns as one bar each.
        for (group, marks) in Dictionary(grouping: marks, by: \.group).sorted(by: { $0.key < $1.key }) {
            var runs: [(from: Mark, to: Mark)] = []
            for mark in marks.sorted(by: { $0.x < $1.x }) {
                if let last = runs.last, px(mark.x - mark.span) - px(last.to.x) <= 3 { runs[runs.count - 1].to = mark } else { runs.append((mark, mark)) }
            }
            for run in runs {
                let start = max(run.from.x - run.from.span, x0)
                let a = px(start), b = max(px(run.to.x), a + 2)
                let when = "from \(SVG.tickLabel(start, step: 0.1)) s to \(SVG.tickLabel(run.to.x, step: 0.1)) s"
                out += "<rect x=\"\(SVG.number(a))\" y=\"\(SVG.number(top))\" width=\"\(SVG.number(b - a))\" height=\"8\" fill=\"\(run.from.style.color)\"><title>\(HTML.escape("\(group) \(when)"))</title></rect>"
            }
        }
        // Peaks last, above every line: a dot, so a line hidden under a threshold still shows
        // where it got to (the value is in the legend).
        for s in series where s.markPeak && !stacked {
            guard let peak = s.points.max(by: { $0.y < $1.y }) else { continue }
            out += "<circle cx=\"\(SVG.number(px(peak.x)))\" cy=\"\(SVG.number(py(peak.y)))\" r=\"4\" fill=\"\(s.style.color)\" stroke=\"#000000\" stroke-width=\"1\"/>"
        }
        return out + "</svg>"
    }

    /// Each series' cumulative line: the sum of it and every series before it at each x.
    static func stack(_ series: [Series]) -> [[ChartPoint]] {
        var below: [Double: Double] = [:]
        return series.map { s in
            s.points.map { p in
                let y = (below[p.x] ?? 0) + p.y
                below[p.x] = y
                return ChartPoint(x: p.x, y: y)
            }
        }
    }
}
