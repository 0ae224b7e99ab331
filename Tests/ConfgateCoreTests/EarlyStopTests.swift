import Testing
@testable import ConfgateCore

@Suite("Verify stops early only on proof of exhaustion")
struct EarlyStopTests {
    private func trial(_ round: Int = 1, failures: [Outcome: Int] = [:], refusedPoolConnects: Int = 0,
                       peak: Int = 60, usable: Int = 97, lagP99: Int64 = 500, complete: Bool = true) -> VerifyResult.Trial {
        var outcomes = [OutcomeTally(outcome: .ok, count: 1000)]
        for (outcome, count) in failures { outcomes.append(OutcomeTally(outcome: outcome, count: count)) }
        var summary = RunSummary(scheduled: 1000, completed: 1000, outcomes: outcomes,
                                 peakServerConnections: peak, usable: usable,
                                 lag: LatencySummary(count: 1000, p50: 100, p99: lagP99), complete: complete)
        summary.connectFailures = refusedPoolConnects > 0 ? ["53300": refusedPoolConnects] : [:]
        let result = RunResult(settings: Settings(), load: .init(), summary: summary, timeline: [], latency: .init(buckets: []))
        return VerifyResult.Trial(round: round, ranFirst: true, result: result)
    }

    @Test func refusedConnectionsAgainstACleanCurrentSideStop() throws {
        let reason = EarlyStop.conclusive(current: trial(), proposed: trial(failures: [Outcome(.connectFailed, sqlState: "53300"): 40], peak: 97),
                                          gate: .init())
        #expect(reason?.contains("refused connections (53300) in round 1") == true)
        let poolOnly = EarlyStop.conclusive(current: trial(), proposed: trial(refusedPoolConnects: 3, peak: 97), gate: .init())
        #expect(poolOnly != nil)
    }

    @Test func failuresAtTheUsableLimitStop() {
        let reason = EarlyStop.conclusive(current: trial(), proposed: trial(failures: [Outcome(.poolTimeout): 12], peak: 97), gate: .init())
        #expect(reason?.contains("at the usable limit (97/97)") == true)
    }

    @Test func failuresBelowTheLimitDoNotStop() {
        // Pool timeouts alone may come from a machine stall: they must recur over rounds.
        #expect(EarlyStop.conclusive(current: trial(), proposed: trial(failures: [Outcome(.poolTimeout): 12], peak: 80), gate: .init()) == nil)
    }

    @Test func aCurrentSideThatAlsoFailedDoesNotStop() {
        let refused = [Outcome(.connectFailed, sqlState: "53300"): 40]
        #expect(EarlyStop.conclusive(current: trial(failures: [Outcome(.poolTimeout): 1]), proposed: trial(failures: refused), gate: .init()) == nil)
        #expect(EarlyStop.conclusive(current: trial(peak: 97), proposed: trial(failures: refused), gate: .init()) == nil)
    }

    @Test func aStalledDriverOrAnUnfinishedTrialDoesNotStop() {
        let refused = [Outcome(.connectFailed, sqlState: "53300"): 40]
        #expect(EarlyStop.conclusive(current: trial(lagP99: 500_000), proposed: trial(failures: refused), gate: .init()) == nil)
        #expect(EarlyStop.conclusive(current: trial(), proposed: trial(failures: refused, complete: false), gate: .init()) == nil)
    }

    @Test func identicalCleanSidesNeverStop() {
        #expect(EarlyStop.conclusive(current: trial(), proposed: trial(), gate: .init()) == nil)
    }
}
