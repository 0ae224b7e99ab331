/// A line chart as inline SVG: series over time, horizontal threshold lines labelled at
/// their right end, background bands for phases, axes with round ticks and labels with
/// units, a legend, and a title. Dense series are thinned by `SeriesReduction.minMax`
/// (one bucket per horizontal pixel), so peaks always stay drawn; points on a flat
/// stretch between their neighbours are left out of the path (`SVG.path`).
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
    /// The top of the y axis; by default a round number above every point and threshold.
    var yMax: Double? = nil
    /// The right end of the x axis, to share one time scale between charts; by default the
    /// last point or band.
    var xMax: Double? = nil
    var width: Double = 880
    var height: Double = 320
    /// Where a marked peak is, in the legend: `at 0.1 s` for a time axis.
    var peakPlace: @Sendable (String) -> String = { "at \($0) s" }

    // Plot area margins: room for tick labels and the axis label on the left, threshold
    // labels on the right, title and legend on top, ticks and the x label below.
    // A legend that wraps onto more lines pushes the plot down (and the chart grows by as much).
    private let left = 64.0, right = 140.0, bottom = 48.0
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
        let highest = max(all.map(\.y).max() ?? 0, thresholds.map(\.value).max() ?? 0)
        let y1 = yMax ?? SVG.niceCeiling(highest)
        func px(_ x: Double) -> Double { left + (x - x0) / (x1 - x0) * plotW }
        func py(_ y: Double) -> Double { top + plotH - min(max(y, 0), y1) / y1 * plotH }

        var out = SVG.open(id: id, width: width, height: height, title: title)
        out += SVG.text(title, x: left, y: 18, size: 15, weight: "bold")
        out += SVG.legend(series.map { ($0.name + peakNote($0), $0.style) }, x: left, y: 40, maxX: width - 8)
        for band in bands {
            let a = px(band.from), b = px(band.to)
            out += "<rect x=\"\(SVG.number(a))\" y=\"\(SVG.number(top))\" width=\"\(SVG.number(max(b - a, 0)))\" height=\"\(SVG.number(plotH))\" fill=\"\(band.fill)\"/>"
            if b - a > 28 { out += SVG.text(band.label, x: (a + b) / 2, y: top + 13, size: 11, anchor: "middle", fill: "#333333") }
        }
        // Axes and grid.
        // Grid lines and tick marks share their stroke through a group.
        let yTicks = SVG.ticks(0, y1)
        out += "<g stroke=\"#DDDDDD\" stroke-width=\"1\">" + yTicks.values.map { t in
            "<line x1=\"\(SVG.number(left))\" y1=\"\(SVG.number(py(t)))\" x2=\"\(SVG.number(left + plotW))\" y2=\"\(SVG.number(py(t)))\"/>"
        }.joined() + "</g>"
        for t in yTicks.values {
            out += SVG.text(SVG.tickLabel(t, step: yTicks.step), x: left - 6, y: py(t) + 4, size: 11, anchor: "end")
        }
        let xTicks = SVG.ticks(x0, x1, count: 10)
        out += "<g stroke=\"#000000\" stroke-width=\"1\">" + xTicks.values.map { t in
            "<line x1=\"\(SVG.number(px(t)))\" y1=\"\(SVG.number(top + plotH))\" x2=\"\(SVG.number(px(t)))\" y2=\"\(SVG.number(top + plotH + 5))\"/>"
        }.joined() + "</g>"
        for t in xTicks.values {
            out += SVG.text(SVG.tickLabel(t, step: xTicks.step), x: px(t), y: top + plotH + 18, size: 11, anchor: "middle")
        }
        out += "<rect x=\"\(SVG.number(left))\" y=\"\(SVG.number(top))\" width=\"\(SVG.number(plotW))\" height=\"\(SVG.number(plotH))\" fill=\"none\" stroke=\"#000000\" stroke-width=\"1\"/>"
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
        for s in series {
            let points = SeriesReduction.minMax(s.points, buckets: Int(plotW / 2))
            guard !points.isEmpty else { continue }
            let d = "M" + SVG.path(points.map { (px($0.x), py($0.y)) })
            out += "<path d=\"\(d)\" fill=\"none\" \(s.style.attributes) stroke-linejoin=\"round\"><title>\(HTML.escape(s.name))</title></path>"
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
        for s in series where s.markPeak {
            guard let peak = s.points.max(by: { $0.y < $1.y }) else { continue }
            out += "<circle cx=\"\(SVG.number(px(peak.x)))\" cy=\"\(SVG.number(py(peak.y)))\" r=\"4\" fill=\"\(s.style.color)\" stroke=\"#000000\" stroke-width=\"1\"/>"
        }
        return out + "</svg>"
    }
}
