import Foundation
import Testing
@testable import ConfgateCore

/// The typical 100 ms's p99 (issue #16 item 3): judged beside the run's p99 across rounds, so a
/// uniform +25% p99 is caught although one stalled round makes the run's p99 too noisy to tell,
/// while a regression confined to the spike is still caught by the run's p99.
@Suite("Typical p99: the median 100 ms interval's p99, judged beside the run's p99")
struct TypicalP99Tests {
    /// A run whose measured intervals have the given p99s (µs), after two warmup intervals of
    /// 90 ms, and whose own p99 is `runP99`.
    func result(_ intervals: [Int64?], runP99: Int64, p50: Int64 = 5_000) -> RunResult {
        let warmup = [TimelinePoint(at: 100, phase: .warmup, p99: 90_000), TimelinePoint(at: 200, phase: .warmup, p99: 90_000)]
        let measured = intervals.enumerated().map { i, p99 in
            TimelinePoint(at: Int64(300 + 100 * i), phase: i < intervals.count / 2 ? .steady : .spike, p99: p99)
        }
        let summary = RunSummary(scheduled: 1000, completed: 1000, outcomes: [OutcomeTally(outcome: .ok, count: 1000)],
                                 latency: .init(count: 1000, p50: p50, p99: runP99), peakServerConnections: 60, usable: 97)
        return RunResult(settings: Settings(), load: .init(), summary: summary, timeline: warmup + measured, latency: .init(buckets: []))
    }

    func side(_ runs: [RunResult]) -> VerdictJudge.Side {
        .init(derived: Derived(Settings()), runs: runs.map(\.summary), typicalP99: runs.map(\.typicalP99))
    }

    let judge = VerdictJudge(gate: .init(), deployRan: false)

    @Test func itIsTheMedianOfTheMeasuredIntervalsLeavingWarmupAndEmptyIntervalsOut() {
        #expect(result([7_000, 9_000, nil, 8_000], runP99: 9_000).typicalP99 == 8_000)
        #expect(result([7_000, 9_000, 8_000, 10_000], runP99: 9_000).typicalP99 == 8_500)
        // One stalled interval (400 ms) moves the run's p99, not the median of its intervals.
        #expect(result([7_000, 9_000, 400_000, 8_000, 8_000], runP99: 60_000).typicalP99 == 8_000)
        #expect(result([nil, nil], runP99: 9_000).typicalP99 == nil)
    }

    @Test func aUniformRegressionTheRunsP99IsTooNoisyToCatchIsBlocked() throws {
        // The current side's second round stalled: its run p99 is 3× the others, so the run's
        // p99 ratios spread (×1.3, ×0.43, ×1.3) and cannot block. Every interval is 30% slower.
        let current = side([result([8_000, 8_100, 7_900], runP99: 10_000), result([8_000, 8_100, 7_900], runP99: 30_000),
                            result([8_000, 8_100, 7_900], runP99: 10_000)])
        let proposed = side([result([10_400, 10_500, 10_300], runP99: 13_000), result([10_400, 10_530, 10_270], runP99: 13_000),
                             result([10_400, 10_500, 10_300], runP99: 13_000)])
        let v = judge.judge(current: current, proposed: proposed)
        #expect(v.latency.map(\.metric) == ["p50", "p99", "typical p99"])
        let p99 = try #require(v.latency.first { $0.metric == "p99" })
        let typical = try #require(v.latency.first { $0.metric == VerdictJudge.typicalP99 })
        #expect(!p99.regressed)
        #expect(typical.regressed)
        #expect(typical.method == "t over 3 rounds of each round's median 100 ms p99")
        #expect(v.decision == .blocked)
        #expect(v.reasons.map(\.message).contains { $0.hasPrefix("typical p99 +30% (at least +") })
    }

    @Test func aRegressionConfinedToTheSpikeIsStillBlockedByTheRunsP99() throws {
        // Steady intervals (the first half) unchanged, spike intervals and the run's p99 ×2.
        let current = side((0..<3).map { _ in result([8_000, 8_000, 8_000, 12_000, 12_000], runP99: 12_000) })
        let proposed = side((0..<3).map { _ in result([8_000, 8_000, 8_100, 24_000, 24_000], runP99: 24_000) })
        let v = judge.judge(current: current, proposed: proposed)
        #expect(try #require(v.latency.first { $0.metric == VerdictJudge.typicalP99 }).regressed == false)
        #expect(try #require(v.latency.first { $0.metric == "p99" }).regressed)
        #expect(v.decision == .blocked)
    }

    @Test func identicalRoundsWithAStallPass() {
        let calm = result([8_000, 8_100, 7_900, 8_050], runP99: 10_000)
        let stalled = result([8_000, 250_000, 7_900, 8_050], runP99: 60_000)
        let v = judge.judge(current: side([calm, calm, calm]), proposed: side([calm, stalled, calm]))
        #expect(!v.latency.contains { $0.regressed })
        #expect(v.decision != .blocked)
    }

    @Test func aNoisyRunP99WarnsOnlyWhenTheTypicalP99IsNoisyToo() {
        // Run p99 ratios ×1.1, ×0.9, ×1.0 (could detect ≥ +39%), typical p99 steady.
        let current = side((0..<3).map { _ in result([8_000, 8_100, 7_900], runP99: 10_000) })
        let proposed = side([result([8_000, 8_100, 7_900], runP99: 11_050), result([8_000, 8_100, 7_900], runP99: 9_050),
                             result([8_000, 8_100, 7_900], runP99: 10_000)])
        let v = judge.judge(current: current, proposed: proposed)
        #expect(v.latency.first { $0.metric == "p99" }?.tooNoisy == true)
        #expect(v.decision == .pass)
        #expect(!v.warnings.contains { $0.message.hasPrefix("too noisy") })
        // The same run p99s with typical p99s as spread: the warning stands.
        let noisy = side([result([8_800, 8_900, 8_700], runP99: 11_050), result([7_200, 7_300, 7_100], runP99: 9_050),
                          result([8_000, 8_100, 7_900], runP99: 10_000)])
        let w = judge.judge(current: current, proposed: noisy)
        #expect(w.warnings.map(\.message).contains { $0.hasPrefix("too noisy to judge p99 within +10%") })
        #expect(w.warnings.map(\.message).contains { $0.hasPrefix("too noisy to judge typical p99 within +10%") })
    }

    @Test func itIsNotJudgedWithOneRoundOrWithoutIntervals() {
        let run = result([8_000, 8_000], runP99: 9_000)
        let buckets = HistogramBuckets(buckets: [[5_000, 90], [9_000, 10]])
        let one = VerdictJudge.Side(derived: Derived(Settings()), runs: [run.summary], histograms: [buckets], typicalP99: [run.typicalP99])
        #expect(judge.judge(current: one, proposed: one).latency.map(\.metric) == ["p50", "p99"])
        // Results saved before the timeline had intervals (or sides built without them).
        let unknown = VerdictJudge.Side(derived: Derived(Settings()), runs: [run.summary, run.summary])
        #expect(judge.judge(current: unknown, proposed: unknown).latency.map(\.metric) == ["p50", "p99"])
    }

    @Test func everyFormatCarriesIt() throws {
        let rounds = (0..<3).map { _ in result([8_000, 8_100, 7_900], runP99: 10_000) }
        let slower = (0..<3).map { _ in result([10_400, 10_500, 10_300], runP99: 10_200) }
        var verify = VerifyResult(
            quick: false, lintOnly: false, load: .init(), gate: .init(),
            current: .init(file: "a.conf", settings: Settings(), findings: [],
                           trials: rounds.enumerated().map { .init(round: $0 + 1, ranFirst: $0 % 2 == 0, result: $1) }),
            proposed: .init(file: "b.conf", settings: Settings(), findings: [],
                            trials: slower.enumerated().map { .init(round: $0 + 1, ranFirst: $0 % 2 == 1, result: $1) }),
            diff: SettingsDiff(current: Settings(), proposed: Settings()), verdict: .init(decision: .pass, reasons: [], warnings: []))
        verify.verdict = VerdictJudge.judge(verify)
        #expect(verify.verdict.decision == .blocked)
        #expect(VerifyFormat.text.render(verify).contains("- typical p99: ×1.30, 95% interval ×"))
        #expect(VerifyFormat.markdown.render(verify).contains("typical p99: ×1.30, 95% interval ×"))
        #expect(VerifyFormat.json.render(verify).contains("\"metric\" : \"typical p99\""))
        #expect(VerifyFormat.junit.render(verify).contains("name=\"latency typical p99\">\n      <failure"))
        let html = VerifyFormat.html.render(verify)
        #expect(html.contains("typical p99: estimate ×1.30"))
        #expect(html.contains("latency typical p99 (median of rounds)"))
    }
}
