import Testing
@testable import ConfgateCore

@Suite struct VerdictJudgeTests {
    func settings(instances: Int = 6, maxSize: Int = 15, surge: Int = 2, maxConnections: Int = 100) -> Settings {
        Settings(pool: .init(maxSize: maxSize), fleet: .init(instances: instances, maxSurge: surge),
                 server: .init(maxConnections: maxConnections, otherClients: 5))
    }

    func run(failures: [Outcome: Int] = [:], peak: Int = 60, usable: Int = 92, p50: Int64 = 8_000, p99: Int64 = 20_000) -> RunSummary {
        var outcomes = [OutcomeTally(outcome: .ok, count: 1000, byPhase: [.steady: 1000], firstAt: 0)]
        for (o, n) in failures {
            outcomes.append(OutcomeTally(outcome: o, count: n, byPhase: [.steady: n], firstAt: 2_500_000))
        }
        return RunSummary(scheduled: 1000, completed: 1000, outcomes: outcomes,
                          latency: .init(count: 1000, p50: p50, p99: p99), peakServerConnections: peak, usable: usable)
    }

    let judge = VerdictJudge(gate: .init(), deployRan: true)

    @Test func identicalSidesPass() {
        let side = VerdictJudge.Side(derived: Derived(settings()), runs: [run(), run(p99: 21_000), run(p99: 19_000)])
        let v = judge.judge(current: side, proposed: side)
        #expect(v.decision == .pass)
        #expect(v.exitCode == 0)
        #expect(v.latency.map(\.metric) == ["p50", "p99"])
    }

    @Test func connectFailuresBlockWithTheArithmetic() {
        let outage = settings(maxSize: 20)
        let d = Derived(outage)
        let proposed = VerdictJudge.Side(derived: d, runs: [run(failures: [Outcome(.connectFailed, sqlState: "53300"): 40], peak: 92)])
        let current = VerdictJudge.Side(derived: Derived(settings()), runs: [run()])
        let v = judge.judge(current: current, proposed: proposed)
        #expect(v.decision == .blocked)
        #expect(v.exitCode == 1)
        let reason = v.reasons[0]
        #expect(reason.kind == .exhaustion)
        #expect(reason.message.contains("40 logins failed"))
        #expect(reason.message.contains("connect_failed 53300 ×40"))
        #expect(reason.message.contains("peak 92/92"))
        #expect(reason.message.contains("steady demand 120 > usable 92"))
        #expect(reason.evidence.contains { $0.contains("first at 2.5s") })
    }

    @Test func failuresWithinTheAllowanceDoNotBlock() {
        var lenient = judge
        lenient.gate.maxFailedLogins = 5
        let side = VerdictJudge.Side(derived: Derived(settings()), runs: [run(failures: [Outcome(.poolTimeout): 5])])
        #expect(lenient.judge(current: nil, proposed: side).decision == .pass)
        let worse = VerdictJudge.Side(derived: Derived(settings()), runs: [run(failures: [Outcome(.poolTimeout): 6])])
        #expect(lenient.judge(current: nil, proposed: worse).decision == .blocked)
    }

    @Test func peakAtUsableLimitBlocksEvenWithoutFailures() {
        let side = VerdictJudge.Side(derived: Derived(settings()), runs: [run(peak: 92)])
        let v = judge.judge(current: nil, proposed: side)
        #expect(v.decision == .blocked)
        #expect(v.reasons[0].message.contains("reached the usable limit"))
    }

    @Test func deployDemandNamedWhenOnlyDeployOverflows() {
        let s = settings(maxSize: 12) // steady 72, deploy 96 > 92
        let side = VerdictJudge.Side(derived: Derived(s), runs: [run(failures: [Outcome(.connectFailed, sqlState: "53300"): 3], peak: 92)])
        let v = judge.judge(current: nil, proposed: side)
        #expect(v.reasons[0].message.contains("deploy demand 96 > usable 92"))
    }

    @Test func consistentLatencyRegressionBlocks() {
        let current = VerdictJudge.Side(derived: Derived(settings()), runs: [run(), run(), run()])
        let slow = VerdictJudge.Side(derived: Derived(settings()),
                                     runs: [run(p99: 90_000), run(p99: 95_000), run(p99: 85_000)])
        let v = judge.judge(current: current, proposed: slow)
        #expect(v.decision == .blocked)
        #expect(v.reasons.map(\.kind) == [.latency])
        #expect(v.reasons[0].message.hasPrefix("p99 +"))
    }

    @Test func ruleErrorsBlockAndWarningsDoNot() {
        let side = VerdictJudge.Side(derived: Derived(settings()), runs: [run()])
        #expect(judge.judge(current: nil, proposed: side, ruleErrors: ["CG104 min_idle 30 > max_size 20"]).decision == .blocked)
        let warned = judge.judge(current: nil, proposed: side, ruleWarnings: ["CG110 no connect_timeout"])
        #expect(warned.decision == .passWithWarnings)
        #expect(warned.exitCode == 0)
    }

    @Test func highUtilizationWarns() {
        let side = VerdictJudge.Side(derived: Derived(settings()), runs: [run(peak: 85)])
        let v = judge.judge(current: nil, proposed: side)
        #expect(v.decision == .passWithWarnings)
        #expect(v.warnings[0].kind == .utilization)
    }

    @Test func brokenCurrentSideIsReportedButDoesNotDecide() {
        let broken = VerdictJudge.Side(derived: Derived(settings(maxSize: 20)), runs: [run(failures: [Outcome(.connectFailed, sqlState: "53300"): 9], peak: 92)])
        let fixed = VerdictJudge.Side(derived: Derived(settings()), runs: [run()])
        let v = judge.judge(current: broken, proposed: fixed)
        #expect(v.decision == .passWithWarnings)
        #expect(v.warnings.contains { $0.kind == .currentSide })
    }

    @Test func failedTrialIsNeverAPass() {
        let side = VerdictJudge.Side(derived: Derived(settings()), runs: [run()])
        let v = judge.judge(current: side, proposed: side, failedTrials: ["server crashed"])
        #expect(v.decision == .inconclusive)
        #expect(v.exitCode == 3)
    }
}

@Suite struct RefusedConnectionsTests {
    @Test func refusedPoolConnectionsCountAsExhaustion() {
        var r = RunSummary(outcomes: [OutcomeTally(outcome: .ok, count: 10)], latency: .init(count: 10, p50: 1, p99: 2),
                           peakServerConnections: 80, usable: 92)
        r.connectFailures = ["53300": 12]
        let side = VerdictJudge.Side(derived: Derived(Settings(pool: .init(maxSize: 20), fleet: .init(instances: 6))), runs: [r])
        let v = VerdictJudge(gate: .init(), deployRan: false).judge(current: nil, proposed: side)
        #expect(v.decision == .blocked)
        #expect(v.reasons[0].message.contains("refused 12 pool connection attempts with 53300"))
    }
}

extension VerdictJudgeTests {
    @Test func latencyFromATrialThatDidNotRunCleanlyDoesNotBlock() {
        let judge = VerdictJudge(gate: .init(), deployRan: false)
        let derived = Derived(Settings())
        let fast = RunSummary(completed: 100, latency: .init(count: 100, p50: 5_000, p99: 9_000))
        let slow = RunSummary(completed: 100, latency: .init(count: 100, p50: 50_000, p99: 90_000))
        let current = VerdictJudge.Side(derived: derived, runs: [fast, fast, fast])
        let proposed = VerdictJudge.Side(derived: derived, runs: [slow, slow, slow])
        let clean = judge.judge(current: current, proposed: proposed)
        #expect(clean.decision == .blocked)
        #expect(clean.reasons.contains { $0.kind == .latency })
        let distorted = judge.judge(current: current, proposed: proposed,
                                    failedTrials: ["round 2: the load driver fell behind (lag p99 77 ms > 20 ms)"])
        #expect(distorted.decision == .inconclusive)
        #expect(!distorted.reasons.contains { $0.kind == .latency })
        #expect(distorted.warnings.contains { $0.kind == .latency && $0.message.contains("not judged") })
    }
}

extension VerdictJudgeTests {
    /// Pool timeouts with no sign of the limit, in a set of trials where the driver fell
    /// behind, are the machine's as likely as the change's: reported, inconclusive, never a
    /// block (CI saw a harmless change through PgBouncer time 141 logins out on a starved
    /// machine). Refusals still block whatever the machine did.
    @Test func timeoutsFromATrialThatDidNotRunCleanlyDoNotBlockButRefusalsDo() {
        let derived = Derived(settings())
        let current = VerdictJudge.Side(derived: derived, runs: [run()])
        let timedOut = VerdictJudge.Side(derived: derived, runs: [run(failures: [Outcome(.poolTimeout): 141])])
        let fellBehind = ["round 1: the load driver fell behind its schedule (lag p99 154 ms)"]
        #expect(judge.judge(current: current, proposed: timedOut).decision == .blocked)
        let distorted = judge.judge(current: current, proposed: timedOut, failedTrials: fellBehind)
        #expect(distorted.decision == .inconclusive)
        #expect(distorted.exitCode == 3)
        #expect(!distorted.reasons.contains { $0.kind == .exhaustion })
        #expect(distorted.warnings.contains { $0.kind == .exhaustion && $0.message.contains("141 logins failed") && $0.message.contains("not judged") })
        // The current side by the same rule: its timeouts in such trials do not make it "already fail".
        let swapped = judge.judge(current: timedOut, proposed: current, failedTrials: fellBehind)
        #expect(!swapped.warnings.contains { $0.message.hasPrefix(VerdictJudge.currentAlreadyFails) })
        #expect(swapped.warnings.contains { $0.kind == .currentSide && $0.message.contains("not judged") })
        #expect(judge.judge(current: timedOut, proposed: current).warnings.contains { $0.message.hasPrefix(VerdictJudge.currentAlreadyFails) })
        let refused = VerdictJudge.Side(derived: derived, runs: [run(failures: [Outcome(.connectFailed, sqlState: "53300"): 40], peak: 92)])
        let blocked = judge.judge(current: current, proposed: refused, failedTrials: fellBehind)
        #expect(blocked.decision == .blocked)
        #expect(blocked.reasons.contains { $0.kind == .exhaustion && !$0.message.contains("not judged") })
    }
}

@Suite struct FailureRecurrenceTests {
    let judge = VerdictJudge(gate: .init(), deployRan: false)
    let derived = Derived(Settings(pool: .init(maxSize: 15), fleet: .init(instances: 6)))

    func run(_ failures: [Outcome: Int] = [:]) -> RunSummary {
        var outcomes = [OutcomeTally(outcome: .ok, count: 100, byPhase: [.steady: 100], firstAt: 0)]
        for (o, n) in failures { outcomes.append(OutcomeTally(outcome: o, count: n, byPhase: [.steady: n], firstAt: 1)) }
        return RunSummary(completed: 100, outcomes: outcomes, latency: .init(count: 100, p50: 5_000, p99: 9_000),
                          peakServerConnections: 60, usable: 97)
    }

    @Test func timeoutsInOneRoundOfThreeAreNoise() {
        let proposed = VerdictJudge.Side(derived: derived, runs: [run([Outcome(.poolTimeout): 2]), run(), run()])
        #expect(judge.judge(current: nil, proposed: proposed).decision == .pass)
    }

    @Test func timeoutsInMostRoundsBlock() {
        let proposed = VerdictJudge.Side(derived: derived, runs: [run([Outcome(.poolTimeout): 2]), run(), run([Outcome(.poolTimeout): 1])])
        let v = judge.judge(current: nil, proposed: proposed)
        #expect(v.decision == .blocked)
        #expect(v.reasons[0].kind == .exhaustion)
    }

    @Test func theServersLimitInAnyRoundBlocks() {
        let proposed = VerdictJudge.Side(derived: derived, runs: [run([Outcome(.connectFailed, sqlState: "53300"): 1]), run(), run()])
        #expect(judge.judge(current: nil, proposed: proposed).decision == .blocked)
    }

    @Test func aStalledDriverMakesTheRunUntrusted() {
        var r = run()
        #expect(!r.lagTooHigh)
        r.lag = .init(count: 100, p50: 100, p90: 200, p99: 900, p999: 1_000, max: 1_500_000)
        #expect(r.lagTooHigh)
        r.lag.max = 10_000
        r.lag.p99 = 25_000
        #expect(r.lagTooHigh)
    }
}
