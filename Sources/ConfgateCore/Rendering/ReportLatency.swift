import Foundation

/// The report's latency sections: the percentile distribution of each side (from its
/// recorded histograms, rounds merged), and the verdict's latency judgement as an interval
/// chart with its sentence.
enum ReportLatency {
    /// One side's runs to draw: its name, line style and the runs whose histograms merge.
    struct Side {
        var name: String
        var style: LineStyle
        var runs: [RunResult]
    }

    static let distributionIntro = """
        <p>How slow the slowest logins were, from each login's scheduled start to its completion \
        (measured logins only; warmup excluded). Read left to right: the median at 50%, then ever rarer \
        logins — at 99% one login in a hundred is slower than the line, at 99.9% one in a thousand. \
        Failed logins count too, when they gave up: a line that jumps to a flat stretch is logins \
        waiting out a timeout. A line ends at its slowest login (●), at the rarest percentile its \
        number of logins can tell apart.</p>

        """

    static let mergedNote = """
        <p>Each side's rounds are merged into one histogram (their counts added) before the percentiles \
        are read; percentiles of rounds are never averaged.</p>

        """

    /// The distribution chart and its data table (every level drawn, per side).
    static func distribution(_ sides: [Side], id: String = "chart-latency", scope: String? = nil) -> String {
        let drawn = sides.filter { !$0.runs.isEmpty }
        guard !drawn.isEmpty else { return "<p>No round completed, so there is no latency to draw.</p>\n" }
        let chart = SVGPercentileChart(
            id: id,
            title: "Latency by percentile\(drawn.count > 1 ? ", both sides" : "") (\(scope ?? roundsText(drawn)))",
            sides: drawn.map { .init(name: "\($0.name) (\($0.style.patternName))", style: $0.style,
                                     distribution: LatencyDistribution($0.runs.map(\.latency))) })
        var out = distributionIntro + (drawn.count > 1 ? mergedNote : "") + "<figure>\n" + chart.render() + "\n</figure>\n"
        let distributions = chart.sides.map(\.distribution)
        var rows: [[String]] = LatencyDistribution.levels(decades: chart.decades).compactMap { p in
            let cells = distributions.map { d in d.total > 0 && p < d.resolvablePercent - 1e-9 ? SVGPercentileChart.ms(d.value(atPercent: p)) : "" }
            guard cells.contains(where: { !$0.isEmpty }) else { return nil }
            return [LatencyDistribution.percentLabel(p)] + cells + ratioCell(p, distributions)
        }
        rows.append(["max"] + distributions.map { $0.total > 0 ? SVGPercentileChart.ms($0.max) : "" }
                    + (distributions.count == 2 ? [ratio(Double(distributions[0].max), Double(distributions[1].max))] : []))
        rows.append(["logins measured"] + distributions.map { "\($0.total)" } + (distributions.count == 2 ? [""] : []))
        let header = ["percentile"] + drawn.map { "\($0.name) latency" } + (drawn.count == 2 ? ["\(drawn[1].name) ÷ \(drawn[0].name)"] : [])
        out += HTML.dataTable("Data: latency by percentile", header, rows,
                              note: "Empty where a side has too few logins to tell that percentile from its maximum.")
        return out
    }

    /// `1 round each`, `3 rounds each`, `2 / 3 rounds`, or `1 run`.
    static func roundsText(_ sides: [Side]) -> String {
        let counts = sides.map(\.runs.count)
        if Set(counts).count == 1 { return "\(counts[0]) round\(counts[0] == 1 ? "" : "s") each, merged" }
        return counts.map(String.init).joined(separator: " / ") + " rounds, merged"
    }

    private static func ratioCell(_ p: Double, _ d: [LatencyDistribution]) -> [String] {
        guard d.count == 2 else { return [] }
        guard d.allSatisfy({ $0.total > 0 && p < $0.resolvablePercent - 1e-9 }) else { return [""] }
        return [ratio(Double(d[0].value(atPercent: p)), Double(d[1].value(atPercent: p)))]
    }

    /// `×1.06`, `×0.52`, `×229`: a ratio proposed ÷ current.
    static func ratioText(_ x: Double) -> String {
        x >= 10 ? String(format: "×%.0f", x) : String(format: "×%.2f", x)
    }

    private static func ratio(_ a: Double, _ b: Double) -> String {
        a > 0 ? ratioText(b / a) : ""
    }
}
