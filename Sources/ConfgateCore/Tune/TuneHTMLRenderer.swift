import Foundation

/// `tune`'s result as one self-contained page, as `verify`'s is (no script, no network,
/// charts as inline SVG with presentation attributes): the answer first, then the steps'
/// p99 and failures against the varied value with the range and the arithmetic edges drawn,
/// then the edges and steps tables.
public struct TuneHTMLRenderer: Sendable {
    public init() {}

    public func render(_ r: TuneResult) -> String {
        let decision: Verdict.Decision = r.exitCode == 0 ? .pass : r.exitCode == 1 ? .blocked : .inconclusive
        let (accent, _) = ReportPalette.banner(decision)
        var out = VerifyHTMLRenderer.page(title: "confgate tune: \(r.dimension.key) — \(r.file)", accent: accent)
        out += Self.banner(r)
        if !r.steps.isEmpty {
            out += VerifyHTMLRenderer.section("steps-chart", "What each step measured", Self.charts(r))
        }
        let edges = TuneRenderer.edges(r)
        out += VerifyHTMLRenderer.section("edges", "Edges", HTML.table(edges.header, edges.rows, numeric: [1]))
        let steps = TuneRenderer.steps(r)
        out += VerifyHTMLRenderer.section("steps", "Steps", r.steps.isEmpty
            ? "<p>No trials: the arithmetic decided.</p>\n"
            : "<p>Each step runs the candidate against \(HTML.escape(r.dimension.name)) \(r.steps[0].reference) (the largest safe value) through the verify machinery: <em>quick</em> is one short round, <em>full</em> the gate's rounds and statistics.</p>\n"
                + HTML.table(steps.header, steps.rows, numeric: [0, 1, 3]))
        out += VerifyHTMLRenderer.section("provenance", "Provenance", Self.provenance(r))
        return out + "</main>\n</body>\n</html>\n"
    }

    static func banner(_ r: TuneResult) -> String {
        let word = r.exitCode == 0 ? "SAFE RANGE" : r.exitCode == 1 ? "NO SAFE VALUE" : "INCONCLUSIVE"
        var out = "<header class=\"banner\" id=\"verdict\">\n<h1>\(word): <code>\(HTML.escape(r.dimension.key))</code></h1>\n"
        out += "<p id=\"verdict-sentence\"><strong>\(HTML.escape(r.headline))</strong></p>\n"
        if let value = r.recommended {
            out += "<p>Recommended: <strong>\(HTML.escape(r.dimension.name)) \(value)</strong> — \(HTML.escape(r.recommendationWhy))</p>\n"
        }
        out += "<p>\(HTML.escape(r.today.prefix(1).uppercased() + r.today.dropFirst()))</p>\n"
        out += "<p>Exit code \(r.exitCode): \(r.exitCode == 0 ? "a safe range exists" : r.exitCode == 1 ? "no value is safe at this load" : "the trials could not decide; run again").</p>\n"
        return out + "</header>\n"
    }

    /// p99 (candidate and reference) and failed logins against the varied value, with the
    /// safe range shaded and the arithmetic's hard and utilization edges as bands' ends.
    static func charts(_ r: TuneResult) -> String {
        let steps = r.steps.sorted { $0.value < $1.value }
        let name = r.dimension.name
        let values = steps.map { Double($0.value) }
        let hi = max((values.max() ?? 1) + 1, Double(r.arithmetic.hardEdge ?? 0) + 1)
        var bands: [SVGLineChart.Band] = []
        if let range = r.range {
            bands.append(.init(label: "safe \(range.lowerBound)…\(range.upperBound)", from: Double(range.lowerBound) - 0.5, to: Double(range.upperBound) + 0.5, fill: "#DFF0E6"))
        }
        if let edge = r.arithmetic.hardEdge, !r.dimension.raisesLimit, Double(edge) + 0.5 < hi {
            bands.append(.init(label: "refused (53300)", from: Double(edge) + 0.5, to: hi, fill: "#FCE9C8"))
        }
        let at: @Sendable (String) -> String = { [name] in "at \(name) \($0)" }
        var p99 = SVGLineChart(
            id: "chart-tune-p99", title: "p99 latency of each step, against \(name)",
            xLabel: name, yLabel: "p99 latency (ms)",
            series: [
                .init(name: "candidate (solid)", style: ReportPalette.current,
                      points: steps.compactMap { s in s.p99.map { ChartPoint(x: Double(s.value), y: Double($0) / 1000) } }, markPeak: true),
                .init(name: "reference \(r.steps.first.map { "\($0.reference)" } ?? "") (dashed)", style: ReportPalette.proposed,
                      points: steps.compactMap { s in s.referenceP99.map { ChartPoint(x: Double(s.value), y: Double($0) / 1000) } }),
            ],
            bands: bands, xMax: hi, height: 280)
        var failed = SVGLineChart(
            id: "chart-tune-failures", title: "Failed logins of each step, against \(name)",
            xLabel: name, yLabel: "failed logins (all rounds)",
            series: [.init(name: "candidate", style: ReportPalette.outcome(.poolTimeout),
                           points: steps.map { ChartPoint(x: Double($0.value), y: Double($0.failures)) }, markPeak: true)],
            bands: bands, yMax: max(1, SVG.niceCeiling(Double(steps.map(\.failures).max() ?? 0))), xMax: hi, height: 240)
        p99.peakPlace = at
        failed.peakPlace = at
        var out = "<p>Each point is one step: the candidate's median p99 over its rounds and its failed logins, with the reference it was judged against. The shaded band is the safe range; past the hard edge the server refuses connections.</p>\n"
        out += "<figure>\n" + p99.render() + "\n</figure>\n"
        out += "<figure>\n" + failed.render() + "\n</figure>\n"
        let rows = steps.map { s in
            ["\(s.value)", TuneRenderer.ms(s.p99, nil), TuneRenderer.ms(s.referenceP99, nil), "\(s.failures)", s.outcome.rawValue]
        }
        out += HTML.dataTable("Data: each step", [name, "p99 ms", "reference p99 ms", "failed", "result"], rows)
        return out
    }

    static func provenance(_ r: TuneResult) -> String {
        let rows: [[String]] = [["settings file", r.file], ["varied", r.dimension.key]] + ReportProvenance.loadRows(r.load) + [
            ["gate", "max_failed_logins \(r.gate.maxFailedLogins), latency_tolerance \(ReportChecks.percent(r.gate.latencyTolerance)), confidence \(ReportChecks.percent(r.gate.confidence)), max_utilization \(ReportChecks.percent(r.gate.maxUtilization))"],
            ["confgate", ConfgateVersion.current],
        ]
        return HTML.table(["", "value"], rows)
    }
}
