import Foundation
import Testing
@testable import ConfgateCore

/// The report's latency percentile distribution (issue #13): percentiles read from the
/// recorded histograms with the rounds merged (never averaged), drawn HdrHistogram-style
/// on a log scale of 1/(1−p), both sides told apart by dash pattern, its data in a table.
@Suite("HTML report: latency percentile distribution")
struct LatencyDistributionTests {
    @Test func mergesRoundsByCountsNeverByAveragingPercentiles() {
        let fast = HistogramBuckets(buckets: [[1000, 100]])
        let slow = HistogramBuckets(buckets: [[3000, 100], [9000, 1]])
        let d = LatencyDistribution([fast, slow])
        #expect(d.total == 201)
        #expect(d.value(atPercent: 0) == 1000)
        #expect(d.value(atPercent: 49) == 1000)
        #expect(d.value(atPercent: 50) == 3000)   // the 101st of 201 logins
        #expect(d.value(atPercent: 99.9) == 9000)
        #expect(d.max == 9000)
        // The average of the rounds' medians (2000 µs) is no login's latency at all.
        #expect(![0, 25, 50, 75, 99].map { d.value(atPercent: $0) }.contains(2000))
    }

    @Test func agreesWithHdrHistogramOnARecordedRun() throws {
        let r = try ResultFixtureTests.load("verify-outage.json")
        for run in r.current.runs + r.proposed.runs {
            let d = LatencyDistribution([run.latency])
            let s = run.summary.latency
            #expect(Int(d.total) == s.count)
            for (percent, expected) in [(50.0, s.p50), (90, s.p90), (99, s.p99), (99.9, s.p999)] {
                let got = Double(d.value(atPercent: percent))
                // HDR keeps 3 significant digits; its percentile is its bucket's top value.
                #expect(abs(got - Double(expected)) <= Double(expected) * 0.002, "p\(percent): \(got) vs \(expected)")
            }
        }
    }

    @Test func levelsAndLabels() {
        let levels = LatencyDistribution.levels(decades: 4)
        for p in [0, 50, 90, 99, 99.9, 99.99] { #expect(levels.contains { abs($0 - p) < 1e-9 }, "\(p)") }
        #expect(levels == levels.sorted())
        #expect(levels.last.map { $0 <= 99.99 + 1e-9 } == true)
        #expect(["0%", "50%", "90%", "99%", "99.9%", "99.99%"] == [0, 50, 90, 99, 99.9, 99.99].map(LatencyDistribution.percentLabel))
        #expect(LatencyDistribution.percentLabel(100 * (1 - pow(10, -3.7))) == "99.98%")
    }

    @Test func chartHasTicksAxesBothSidesAndTheirData() throws {
        let r = try ResultFixtureTests.load("verify-outage.json")
        let html = VerifyHTMLRenderer().render(r)
        let section = try #require(html.components(separatedBy: "<section id=\"latency\">").dropFirst().first?
            .components(separatedBy: "</section>").first)
        #expect(section.contains("<svg id=\"chart-latency\""))
        for tick in ["0%", "50%", "90%", "99%", "99.9%", "99.99%"] {
            #expect(section.contains("text-anchor=\"middle\">\(tick)</text>"), "tick \(tick)")
        }
        // 2 s pool timeouts against a 6.5 ms median: a log scale, or the current side lies on zero.
        #expect(section.contains(">latency (ms, log scale)</text>"))
        #expect(section.contains("percentile (log scale of 1/(1−p)"))
        // Both sides, by colour and by dash pattern.
        #expect(section.contains("<path d=\"M") && section.contains("stroke=\"#0072B2\" stroke-width=\"2\" stroke-linejoin"))
        #expect(section.contains("stroke=\"#D55E00\" stroke-width=\"2\" stroke-dasharray=\"7 4\""))
        // The data table holds the merged histograms' percentiles and maxima.
        let current = LatencyDistribution(r.current.runs.map(\.latency)), proposed = LatencyDistribution(r.proposed.runs.map(\.latency))
        #expect(section.contains("<details><summary>Data: latency by percentile</summary>"))
        #expect(section.contains("<th scope=\"row\" align=\"left\">99%</th><td>\(SVGPercentileChart.ms(current.value(atPercent: 99)))</td><td>\(SVGPercentileChart.ms(proposed.value(atPercent: 99)))</td>"))
        #expect(section.contains("<th scope=\"row\" align=\"left\">max</th><td>\(SVGPercentileChart.ms(current.max))</td><td>\(SVGPercentileChart.ms(proposed.max))</td>"))
        #expect(section.contains("2018 ms"))  // the proposed side's slowest login in this result
        // Presentation attributes only.
        #expect(!section.contains("style="))
        #expect(!section.contains("class="))
    }

    @Test func latencyAxisIsLinearUnlessTheTailDwarfsTheMedian() throws {
        let pass = try ResultFixtureTests.load("verify-pass.json")
        let html = VerifyHTMLRenderer().render(pass)
        #expect(html.contains(">latency (ms)</text>"))
        let chart = SVGPercentileChart(id: "x", title: "t", sides: [
            .init(name: "a", style: ReportPalette.current, distribution: LatencyDistribution([HistogramBuckets(buckets: [[1000, 99], [30_000, 1]])])),
        ])
        #expect(chart.logScale)
        #expect(!SVGPercentileChart(id: "x", title: "t", sides: [
            .init(name: "a", style: ReportPalette.current, distribution: LatencyDistribution([HistogramBuckets(buckets: [[1000, 99], [19_000, 1]])])),
        ]).logScale)
    }

    @Test func aSideWithoutRoundsIsSaidNotDrawn() {
        let html = ReportLatency.distribution([.init(name: "current", style: ReportPalette.current, runs: [])])
        #expect(html.contains("No round completed"))
        #expect(!html.contains("<svg"))
    }
}
