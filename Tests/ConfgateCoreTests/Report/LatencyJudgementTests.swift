import Foundation
import Testing
@testable import ConfgateCore

/// The latency judgement drawn as an interval chart (issue #13): per percentile the rounds'
/// ratios, the estimate and its interval, lines at ×1 and 1 + tolerance, the sentence, and
/// what the run could have detected.
@Suite("HTML report: latency judgement")
struct LatencyJudgementTests {
    static func section(_ html: String) throws -> String {
        try #require(html.components(separatedBy: "<section id=\"latency-judgement\">").dropFirst().first?
            .components(separatedBy: "</section>").first)
    }

    /// Three rounds, p99 regressed (its whole interval above ×1.10), p50 within tolerance.
    static func threeRounds() throws -> VerifyResult {
        var r = try ResultFixtureTests.load("verify-pass.json")
        r.verdict.latency = [
            LatencyComparison.compare(metric: "p50", percentile: 50, current: [6000, 6100, 5900], proposed: [6100, 6000, 6050],
                                      tolerance: 0.1, confidence: 0.95),
            LatencyComparison.compare(metric: "p99", percentile: 99, current: [20000, 21000, 19000], proposed: [61000, 60000, 58000],
                                      tolerance: 0.1, confidence: 0.95),
        ]
        return r
    }

    @Test func drawsRoundsEstimateIntervalAndTheTwoLines() throws {
        let r = try Self.threeRounds()
        let section = try Self.section(VerifyHTMLRenderer().render(r))
        #expect(section.contains("<svg id=\"chart-latency-judgement\""))
        // Three open circles per percentile: one per round.
        #expect(section.components(separatedBy: "<circle ").count - 1 == 1 + 6)  // + the legend's
        #expect(section.contains(">×1</text>"))
        #expect(section.contains(">×1.10 = 1 + tolerance</text>"))
        #expect(section.contains("stroke-dasharray=\"5 3\""))
        #expect(section.contains(">REGRESSED</text>"))
        #expect(section.contains(">within tolerance</text>"))
        #expect(section.contains("proposed ÷ current (log scale; ×1 = no change)"))
        // The sentence, with what the run could detect.
        let p99 = r.verdict.latency[1]
        #expect(p99.regressed)
        #expect(section.contains(HTML.escape(ReportLatency.sentence(p99))))
        #expect(ReportLatency.sentence(p99).contains("regressed — even the interval's lower end"))
        let detect = try #require(r.verdict.latency[0].detectableText)
        #expect(section.contains("this run \(detect)"))
        // Its data.
        #expect(section.contains("<details><summary>Data: latency judgement</summary>"))
        #expect(section.contains("20.0 ms → 61.0 ms (×3.05)"))
        #expect(!section.contains("style="))
    }

    @Test func quickResultsShowTheNotJudgedTailAndAWideInterval() throws {
        let r = try ResultFixtureTests.load("verify-pass.json")
        let section = try Self.section(VerifyHTMLRenderer().render(r))
        #expect(section.contains(">reported, not judged</text>"))
        #expect(section.contains("within tolerance: the estimate is above it, but the interval reaches down to ×0.67, too wide to tell"))
        #expect(section.contains("bootstrap within 1 round, ×2 run-to-run allowance"))
    }

    @Test func logTicksAreRoundAndEnough() {
        #expect(SVG.logTicks(0.58, 4.9).map { ($0 * 1000).rounded() / 1000 } == [0.7, 1, 1.5, 2, 3])
        #expect(SVG.logTicks(0.45, 260).map { ($0 * 1000).rounded() / 1000 } == [0.5, 1, 2, 5, 10, 20, 50, 100, 200])
        #expect(SVG.logTicks(0.9, 1.3).count >= 3)
    }

    @Test func lintOnlyHasNoJudgementSection() throws {
        var r = try ResultFixtureTests.load("verify-pass.json")
        r.lintOnly = true
        #expect(!VerifyHTMLRenderer().render(r).contains("id=\"latency-judgement\""))
    }
}
