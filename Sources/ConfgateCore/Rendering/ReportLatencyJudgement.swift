import Foundation

/// The verdict's latency judgement as an interval chart, with one sentence per percentile.
extension ReportLatency {
    static let judgementIntro = """
        <p>Each round runs both sides on the same traffic, so rounds pair up: a round's ratio is the \
        proposed side's percentile divided by the current side's. The estimate is the geometric mean of \
        the rounds' ratios, and the bar its interval at the gate's confidence. The change regresses only \
        when the whole interval lies right of the dashed line, 1 + tolerance — when the gate is that sure \
        latency grew by more than the tolerance. A wide interval is a noisy run: it cannot block, and \
        says how large a regression it could have caught (docs/verdict.md).</p>

        """

    /// The interval chart, one sentence per percentile, and the data table.
    static func judgement(_ r: VerifyResult) -> String {
        let comparisons = r.verdict.latency
        guard !comparisons.isEmpty else {
            return "<p>No latency was judged: \(r.lintOnly ? "--lint-only ran no load" : "no round of both sides completed").</p>\n"
        }
        let chart = SVGIntervalChart(
            id: "chart-latency-judgement",
            title: "Latency judgement: proposed ÷ current, \(ReportChecks.percent(comparisons[0].confidence)) interval",
            rows: comparisons.map { c in
                .init(label: c.metric, rounds: rounds(c), estimate: c.ratio, lower: c.lower, upper: c.upper,
                      result: outcome(c), fill: c.regressed ? "#D55E00" : c.decides ? "#0072B2" : "#BBBBBB")
            },
            tolerance: comparisons[0].tolerance)
        var out = judgementIntro + "<figure>\n" + chart.render() + "\n</figure>\n<ul>\n"
        for c in comparisons { out += "<li>\(HTML.escape(sentence(c)))</li>\n" }
        out += "</ul>\n"
        let rows = comparisons.map { c in
            [c.metric,
             zip(c.current, c.proposed).map { a, b in "\(SVGPercentileChart.ms(UInt64(max(a, 0)))) → \(SVGPercentileChart.ms(UInt64(max(b, 0)))) (\(SVGIntervalChart.ratio(Double(max(b, 1)) / Double(max(a, 1)))))" }.joined(separator: "; "),
             SVGIntervalChart.ratio(c.ratio), SVGIntervalChart.ratio(c.lower), SVGIntervalChart.ratio(c.upper),
             String(format: "×%.2f", 1 + c.tolerance), c.detectable.map { SVGIntervalChart.ratio($0) } ?? "", outcome(c), c.method]
        }
        out += HTML.dataTable("Data: latency judgement",
                              ["metric", "rounds: current → proposed (ratio)", "estimate", "lower bound", "upper bound",
                               "1 + tolerance", "could detect", "result", "method"], rows)
        return out
    }

    /// Each round's ratio proposed ÷ current.
    static func rounds(_ c: LatencyComparison) -> [Double] {
        zip(c.current, c.proposed).map { Double(max($1, 1)) / Double(max($0, 1)) }
    }

    /// `within tolerance`, `REGRESSED`, `reported, not judged`, plus what it could detect.
    static func outcome(_ c: LatencyComparison) -> String {
        let word = c.regressed ? "REGRESSED" : c.decides ? "within tolerance" : "reported, not judged"
        return word
    }

    /// `p50: ×1.06, 95% interval ×0.52–×2.15 (bootstrap …); tolerance +10%: within
    /// tolerance; this run could detect ≥ +14%.`
    static func sentence(_ c: LatencyComparison) -> String {
        var text = "\(c.metric): estimate \(SVGIntervalChart.ratio(c.ratio)), \(ReportChecks.percent(c.confidence)) interval "
            + "\(SVGIntervalChart.ratio(c.lower))–\(SVGIntervalChart.ratio(c.upper)) (\(c.method)); "
            + "tolerance +\(ReportChecks.percent(c.tolerance)): "
        if c.regressed {
            text += "regressed — even the interval's lower end \(SVGIntervalChart.ratio(c.lower)) is above ×\(String(format: "%.2f", 1 + c.tolerance))"
        } else if !c.decides {
            text += "reported, not judged" + (c.notJudgedBecause.map { " (\($0))" } ?? "")
        } else if c.ratio > 1 + c.tolerance {
            text += "within tolerance: the estimate is above it, but the interval reaches down to \(SVGIntervalChart.ratio(c.lower)), too wide to tell"
        } else {
            text += "within tolerance"
        }
        if let detectable = c.detectableText { text += "; this run \(detectable)" }
        return text + "."
    }
}
