import ConfgateCore
import Testing
@testable import ConfgatePostgres

/// What the load driver's recorder keeps of made-up logins: per interval (the timeline's
/// 100 ms points) and in total (the summary), warm-up kept out of the measured figures.
@Suite struct RunRecorderTests {
    private let timeout = Outcome(.poolTimeout)
    private let refused = Outcome(.connectFailed, sqlState: "53300")

    @Test func startsCountInTheIntervalAndTotalsAndTheirLagIsKept() {
        let r = RunRecorder()
        r.started(lag: 100)
        r.started(lag: 3_000)
        r.started(lag: -50)  // ahead of schedule: no lag, not a negative one
        #expect(r.cut().started == 3)
        let t = r.totals
        #expect(t.started == 3)
        #expect(t.completed == 0)
        #expect(t.lag.totalCount == 3)
        #expect(t.lag.min == 0)
        #expect(t.lag.valueAtPercentile(100) >= 3_000)
    }

    @Test func completionsCountByOutcomeAndPhaseWithTheFirstOffsetOfEach() {
        let r = RunRecorder()
        r.completed(offset: 5_000, phase: .steady, outcome: .ok, latency: 2_000)
        r.completed(offset: 7_000, phase: .deploy, outcome: refused, latency: 900)
        r.completed(offset: 6_000, phase: .deploy, outcome: refused, latency: 800)
        r.completed(offset: 9_000, phase: .spike, outcome: timeout, latency: 250_000)

        let interval = r.cut()
        #expect(interval.completed == 4)
        #expect(interval.outcomes == [.ok: 1, refused: 2, timeout: 1])
        #expect(interval.latency.totalCount == 4)

        let tallies = r.totals.tallies
        #expect(tallies[refused] == OutcomeTally(outcome: refused, count: 2, byPhase: [.deploy: 2], firstAt: 6_000))
        #expect(tallies[timeout] == OutcomeTally(outcome: timeout, count: 1, byPhase: [.spike: 1], firstAt: 9_000))
        #expect(tallies[.ok] == OutcomeTally(outcome: .ok, count: 1, byPhase: [.steady: 1], firstAt: 5_000))
    }

    @Test func warmupIsTalliedButKeptOutOfTheMeasuredFigures() {
        let r = RunRecorder()
        r.completed(offset: 0, phase: .warmup, outcome: .ok, latency: 1_000_000)
        r.completed(offset: 10, phase: .warmup, outcome: timeout, latency: 5_000)
        r.completed(offset: 300_000, phase: .steady, outcome: .ok, latency: 1_000)
        let t = r.totals
        #expect(t.completed == 3)
        #expect(t.tallies[.ok]?.byPhase == [.warmup: 1, .steady: 1])
        #expect(t.tallies[timeout]?.byPhase == [.warmup: 1])
        // Only the steady login is measured: its latency alone, and it counts as completed.
        #expect(t.latency.totalCount == 1)
        #expect(t.latency.max < 1_100)
        #expect(t.measuredCompleted == 1)
        // The timeline still shows the warm-up.
        #expect(r.cut().latency.totalCount == 3)
    }

    @Test func failuresHaveLatencyButAreNotMeasuredCompletionsAndBadPasswordsAre() {
        let r = RunRecorder()
        r.completed(offset: 1, phase: .steady, outcome: .ok, latency: 1_000)
        r.completed(offset: 2, phase: .steady, outcome: .badPassword, latency: 1_000)
        r.completed(offset: 3, phase: .steady, outcome: timeout, latency: 1_000)
        r.completed(offset: 4, phase: .deploy, outcome: refused, latency: 1_000)
        let t = r.totals
        #expect(t.latency.totalCount == 4)
        #expect(t.measuredCompleted == 2)
    }

    @Test func aLatencyBelowOneMicrosecondIsRecordedAsOne() {
        let r = RunRecorder()
        r.completed(offset: 0, phase: .steady, outcome: .ok, latency: 0)
        r.completed(offset: 0, phase: .steady, outcome: .ok, latency: -7)
        let t = r.totals
        #expect(t.latency.totalCount == 2)
        #expect(t.latency.min == 1 && t.latency.max == 1)
    }

    @Test func cutStartsAFreshIntervalWhileTotalsKeepGrowing() {
        let r = RunRecorder()
        r.started(lag: 0)
        r.completed(offset: 0, phase: .steady, outcome: .ok, latency: 10)
        let first = r.cut()
        #expect(first.started == 1 && first.completed == 1)

        let empty = r.cut()
        #expect(empty.started == 0 && empty.completed == 0 && empty.outcomes.isEmpty && empty.latency.totalCount == 0)

        r.started(lag: 0)
        r.completed(offset: 100, phase: .steady, outcome: timeout, latency: 10)
        let second = r.cut()
        #expect(second.started == 1 && second.outcomes == [timeout: 1])
        #expect(r.totals.started == 2 && r.totals.completed == 2)
    }

    @Test func concurrentRecordsAreAllKept() async {
        let r = RunRecorder()
        let tasks = 8, each = 500
        await withTaskGroup(of: Void.self) { group in
            for t in 0..<tasks {
                group.addTask {
                    for i in 0..<each {
                        r.started(lag: Int64(i))
                        r.completed(offset: Int64(t * each + i), phase: .steady,
                                    outcome: i.isMultiple(of: 10) ? Outcome(.poolTimeout) : .ok, latency: Int64(i + 1))
                    }
                }
            }
            // Cuts while the records go on, as the timeline sampler does.
            group.addTask { for _ in 0..<50 { _ = r.cut(); await Task.yield() } }
        }
        let t = r.totals
        #expect(t.started == tasks * each && t.completed == tasks * each)
        #expect(t.tallies[timeout]?.count == tasks * each / 10)
        #expect(t.tallies[timeout]?.firstAt == 0)
        #expect(t.measuredCompleted == tasks * each * 9 / 10)
        #expect(t.latency.totalCount == UInt64(tasks * each) && t.lag.totalCount == UInt64(tasks * each))
    }
}
