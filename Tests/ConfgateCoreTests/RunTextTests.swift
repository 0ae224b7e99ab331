import Foundation
import Testing
@testable import ConfgateCore

/// `confgate run`'s text: the latency of each measured phase under the whole run's.
@Suite("run text")
struct RunTextTests {
    static func run(phases: [PhaseLatency]?) -> RunResult {
        var summary = RunSummary(scheduled: 100, completed: 100, latency: .init(count: 100, p50: 6_000, p99: 40_000, max: 90_000))
        summary.latencyByPhase = phases
        return RunResult(settings: Settings(), load: GateSettings().load, summary: summary, timeline: [], latency: .init(buckets: []))
    }

    @Test func eachMeasuredPhaseHasItsLatencyLine() {
        let text = RunText.render(Self.run(phases: [
            PhaseLatency(phase: .steady, latency: .init(count: 80, p50: 5_900, p99: 9_100, max: 12_000)),
            PhaseLatency(phase: .spike, latency: .init(count: 20, p50: 7_000, p99: 48_000, max: 90_000)),
        ]))
        #expect(text.contains("\n  steady     p50 5.9ms  p99 9.1ms  max 12.0ms  (80 logins)\n"))
        #expect(text.contains("\n  spike      p50 7.0ms  p99 48.0ms  max 90.0ms  (20 logins)\n"))
    }

    @Test func oneMeasuredPhaseOrAnOldResultAddsNoLines() {
        let one = RunText.render(Self.run(phases: [PhaseLatency(phase: .steady, latency: .init(count: 100, p50: 6_000))]))
        #expect(one == RunText.render(Self.run(phases: nil)))
        #expect(!one.contains("steady     p50"))
    }
}
