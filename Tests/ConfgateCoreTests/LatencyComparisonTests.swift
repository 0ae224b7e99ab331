import Testing
@testable import ConfgateCore

@Suite struct LatencyComparisonTests {
    @Test func quantilesMatchTables() {
        #expect(abs(Quantiles.normal(0.975) - 1.959964) < 1e-5)
        #expect(abs(Quantiles.normal(0.05) + 1.644854) < 1e-5)
        #expect(abs(Quantiles.t(0.975, df: 1) - 12.7062) < 1e-3)
        #expect(abs(Quantiles.t(0.95, df: 2) - 2.91999) < 1e-4)
        #expect(abs(Quantiles.t(0.95, df: 4) - 2.13185) < 2e-3)
        #expect(abs(Quantiles.t(0.975, df: 9) - 2.26216) < 2e-3)
    }

    @Test func identicalRoundsDoNotRegress() {
        let c = LatencyComparison.compare(metric: "p99", percentile: 99, current: [10_000, 12_000, 11_000],
                                          proposed: [10_000, 12_000, 11_000], tolerance: 0.1, confidence: 0.95)
        #expect(c.ratio == 1)
        #expect(!c.regressed)
    }

    @Test func consistentRegressionBeyondToleranceRegresses() {
        let c = LatencyComparison.compare(metric: "p50", percentile: 50, current: [10_000, 10_500, 9_800],
                                          proposed: [30_000, 31_000, 29_500], tolerance: 0.1, confidence: 0.95)
        #expect(c.regressed)
        #expect(c.lower > 2.5 && c.ratio > 2.9 && c.upper < 3.3)
        #expect(c.method == "t over 3 rounds")
    }

    @Test func oneNoisyRoundDoesNotDecide() {
        // One round 60% slower, the others equal: the interval is wide and includes 1.
        let c = LatencyComparison.compare(metric: "p99", percentile: 99, current: [10_000, 10_000, 10_000],
                                          proposed: [16_000, 10_100, 9_900], tolerance: 0.1, confidence: 0.95)
        #expect(c.ratio > 1.1)
        #expect(!c.regressed)
    }

    @Test func regressionWithinToleranceDoesNotRegress() {
        let c = LatencyComparison.compare(metric: "p50", percentile: 50, current: [10_000, 10_000, 10_000],
                                          proposed: [10_500, 10_500, 10_500], tolerance: 0.1, confidence: 0.95)
        #expect(!c.regressed)
    }

    @Test func singleRoundUsesTheBootstrap() {
        var a = LatencyHistogram.latency(), b = LatencyHistogram.latency(), same = LatencyHistogram.latency()
        var rng = SeededGenerator(seed: 3)
        for _ in 0..<5_000 {
            let v = 5_000 + rng.next() % 5_000
            _ = a.record(v)
            _ = same.record(5_000 + rng.next() % 5_000)
            _ = b.record(v * 3)
        }
        let slower = LatencyComparison.compare(
            metric: "p50", percentile: 50, current: [Int64(a.valueAtPercentile(50))], proposed: [Int64(b.valueAtPercentile(50))],
            currentHistograms: [HistogramBuckets(a)], proposedHistograms: [HistogramBuckets(b)], tolerance: 0.1, confidence: 0.95)
        #expect(slower.method.hasPrefix("bootstrap within 1 round"))
        #expect(slower.regressed)
        let alike = LatencyComparison.compare(
            metric: "p99", percentile: 99, current: [Int64(a.valueAtPercentile(99))], proposed: [Int64(same.valueAtPercentile(99))],
            currentHistograms: [HistogramBuckets(a)], proposedHistograms: [HistogramBuckets(same)], tolerance: 0.1, confidence: 0.95)
        #expect(!alike.regressed)
        #expect(alike.lower <= 1 && alike.upper >= 1)
    }

    @Test func singleRoundTailIsReportedButNotJudged() {
        var a = LatencyHistogram.latency(), b = LatencyHistogram.latency()
        var rng = SeededGenerator(seed: 4)
        for _ in 0..<5_000 {
            let v = 5_000 + rng.next() % 5_000
            _ = a.record(v)
            _ = b.record(v * 5)
        }
        let tail = LatencyComparison.compare(
            metric: "p99", percentile: 99, current: [Int64(a.valueAtPercentile(99))], proposed: [Int64(b.valueAtPercentile(99))],
            currentHistograms: [HistogramBuckets(a)], proposedHistograms: [HistogramBuckets(b)], tolerance: 0.1, confidence: 0.95)
        #expect(tail.ratio > 4)
        #expect(tail.lower > 1.1, "the interval itself is still reported")
        #expect(!tail.decides)
        #expect(!tail.regressed)
        let rounds = LatencyComparison.compare(metric: "p99", percentile: 99, current: [10_000, 10_000], proposed: [50_000, 50_000],
                                               tolerance: 0.1, confidence: 0.95)
        #expect(rounds.decides && rounds.regressed)
    }

    @Test func singleRoundWithoutHistogramsNeverBlocks() {
        let c = LatencyComparison.compare(metric: "p50", percentile: 50, current: [1_000], proposed: [5_000],
                                          tolerance: 0.1, confidence: 0.95)
        #expect(!c.regressed)
    }
}

@Suite struct WorkedExampleTests {
    /// The worked example of docs/verdict.md, number for number.
    @Test func theDocumentedExampleHolds() {
        let blocked = LatencyComparison.compare(metric: "p99", percentile: 99, current: [20_000, 21_000, 19_500],
                                                proposed: [61_000, 58_800, 60_450], tolerance: 0.1, confidence: 0.95)
        #expect(abs(blocked.ratio - 2.98) < 0.01)
        #expect(abs(blocked.lower - 2.72) < 0.01)
        #expect(blocked.regressed)
        let noisy = LatencyComparison.compare(metric: "p99", percentile: 99, current: [10_000, 10_000, 10_000],
                                              proposed: [16_000, 10_100, 9_900], tolerance: 0.1, confidence: 0.95)
        #expect(abs(noisy.ratio - 1.17) < 0.01)
        #expect(abs(noisy.lower - 0.74) < 0.01)
        #expect(!noisy.regressed)
    }
}
