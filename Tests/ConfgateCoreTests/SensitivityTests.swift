import Foundation
import Testing
@testable import ConfgateCore

/// Every latency judgement says how small a regression its run could have caught.
@Suite("Latency sensitivity: the smallest detectable regression")
struct SensitivityTests {
    @Test func identicalRoundsCanDetectAnythingAboveTheTolerance() throws {
        let c = LatencyComparison.compare(metric: "p50", percentile: 50, current: [1000, 1000, 1000], proposed: [1000, 1000, 1000],
                                          tolerance: 0.10, confidence: 0.95)
        #expect(try #require(c.detectable) == 1.1)
        #expect(c.detectableText == "could detect ≥ +10%")
        #expect(!c.tooNoisy)
    }

    @Test func spreadRoundsWidenWhatCanBeDetected() throws {
        // log ratios ≈ +0.1, −0.1, 0: sd 0.0998, se 0.0576; t(95%, 2) 2.920 + t(80%, 2) 1.061.
        let c = LatencyComparison.compare(metric: "p99", percentile: 99, current: [1000, 1000, 1000], proposed: [1105, 905, 1000],
                                          tolerance: 0.10, confidence: 0.95)
        #expect(abs(try #require(c.detectable) - 1.3837) < 0.001)
        #expect(c.detectableText == "could detect ≥ +39%")
        #expect(c.tooNoisy)
        #expect(!c.regressed)
    }

    @Test func aNoisyPassSaysSoAsAWarning() {
        let judge = VerdictJudge(gate: .init(), deployRan: false)
        func side(_ p99s: [Int64]) -> VerdictJudge.Side {
            VerdictJudge.Side(derived: Derived(Settings()), runs: p99s.map { p99 in
                RunSummary(scheduled: 100, completed: 100, outcomes: [OutcomeTally(outcome: .ok, count: 100)],
                           latency: .init(count: 100, p50: 1000, p99: p99), peakServerConnections: 5, usable: 97)
            })
        }
        let v = judge.judge(current: side([1000, 1000, 1000]), proposed: side([1105, 905, 1000]))
        #expect(v.decision == .passWithWarnings)
        #expect(v.warnings.contains { $0.message == "too noisy to judge p99 within +10%: this run could detect ≥ +39%" })
        #expect(!v.warnings.contains { $0.message.contains("p50") })
    }

    @Test func aSingleRoundTailIsNotJudgedSoStatesNoSensitivity() {
        let buckets = HistogramBuckets(buckets: [[1000, 50], [2000, 50]])
        let c = LatencyComparison.compare(metric: "p99", percentile: 99, current: [2000], proposed: [2000],
                                          currentHistograms: [buckets], proposedHistograms: [buckets], tolerance: 0.1, confidence: 0.95)
        #expect(c.detectable == nil)
        let p50 = LatencyComparison.compare(metric: "p50", percentile: 50, current: [1000], proposed: [1000],
                                            currentHistograms: [buckets], proposedHistograms: [buckets], tolerance: 0.1, confidence: 0.95)
        // Within one round the run-to-run allowance (×2) alone puts it at ≥ +120%.
        #expect((p50.detectable ?? 0) >= 2.2)
    }

    @Test func theTextAndJSONCarryIt() throws {
        let c = LatencyComparison.compare(metric: "p50", percentile: 50, current: [1000, 1000], proposed: [1000, 1000],
                                          tolerance: 0.10, confidence: 0.95)
        let json = String(decoding: try JSONEncoder().encode(c), as: UTF8.self)
        #expect(json.contains("\"detectable\":1.1"))
        let verdict = Verdict(decision: .pass, reasons: [], warnings: [], latency: [c])
        let settings = Settings()
        let result = VerifyResult(
            quick: false, lintOnly: false, load: .init(), gate: .init(),
            current: .init(file: "a.conf", settings: settings, findings: []), proposed: .init(file: "b.conf", settings: settings, findings: []),
            diff: SettingsDiff(current: settings, proposed: settings), verdict: verdict)
        #expect(VerifyTextRenderer().render(result).contains("tolerance +10%: ok; this run could detect ≥ +10%"))
    }
}
