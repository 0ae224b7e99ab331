import Testing
@testable import ConfgateCore

@Suite struct LoadPlanTests {
    let load = GateSettings.Load(rate: 400, duration: .seconds(20), warmup: .seconds(3),
                                 spike: .init(multiplier: 3, duration: .seconds(4)), deploy: true,
                                 users: 10_000, badPasswordRatio: 0.05, seed: 7)

    @Test func sameSeedGivesSameSchedule() {
        #expect(LoadPlan.make(load) == LoadPlan.make(load))
    }

    @Test func otherSeedGivesOtherSchedule() {
        var other = load
        other.seed = 8
        #expect(LoadPlan.make(load).arrivals != LoadPlan.make(other).arrivals)
    }

    @Test func userSequenceDoesNotDependOnRate() {
        var faster = load
        faster.rate = 800
        faster.spike = nil
        var base = load
        base.spike = nil
        let a = LoadPlan.make(base).arrivals.prefix(100).map(\.user)
        let b = LoadPlan.make(faster).arrivals.prefix(100).map(\.user)
        #expect(a == b)
    }

    @Test func arrivalsAreOrderedAndInsideTheTrial() {
        let plan = LoadPlan.make(load)
        #expect(plan.total == 23_000_000)
        #expect(zip(plan.arrivals, plan.arrivals.dropFirst()).allSatisfy { $0.offset <= $1.offset })
        #expect(plan.arrivals.allSatisfy { $0.offset >= 0 && $0.offset < plan.total && (1...10_000).contains($0.user) })
    }

    @Test func steadyRateMatchesTarget() {
        var steady = load
        steady.spike = nil
        steady.duration = .seconds(100)
        let plan = LoadPlan.make(steady)
        let rate = Double(plan.arrivals.count) / 103
        #expect(abs(rate - 400) / 400 < 0.03)
    }

    @Test func spikeTriplesTheRateInItsWindow() throws {
        var long = load
        long.duration = .seconds(100)
        long.spike = .init(multiplier: 3, duration: .seconds(20))
        let plan = LoadPlan.make(long, deploy: false)
        let window = try #require(plan.spike)
        #expect(window.start == 23_000_000 && window.end == 43_000_000)
        let inSpike = plan.arrivals.filter { window.contains($0.offset) }.count
        #expect(abs(Double(inSpike) / 20 - 1200) / 1200 < 0.05)
        #expect(plan.arrivals.filter { window.contains($0.offset) }.allSatisfy { $0.phase == .spike })
    }

    @Test func phasesFollowTheWindows() throws {
        let plan = LoadPlan.make(load)
        let deploy = try #require(plan.deploy)
        #expect(deploy.start == 15_000_000 && deploy.end == 19_000_000)
        #expect(plan.phase(at: 1_000_000) == .warmup)
        #expect(plan.phase(at: 5_000_000) == .steady)
        #expect(plan.phase(at: 10_000_000) == .spike)
        #expect(plan.phase(at: 16_000_000) == .deploy)
        #expect(plan.phase(at: 20_000_000) == .steady)
        #expect(LoadPlan.make(load, deploy: false).deploy == nil)
    }

    @Test func badPasswordRatioIsRespected() {
        var long = load
        long.duration = .seconds(100)
        let arrivals = LoadPlan.make(long).arrivals
        let share = Double(arrivals.filter(\.badPassword).count) / Double(arrivals.count)
        #expect(abs(share - 0.05) < 0.01)
    }
}

@Suite struct LoadOverridesTests {
    @Test func flagsOverrideTheGateFile() throws {
        var o = LoadOverrides()
        o.set("rate", "800/s")
        o.set("spike", "off")
        o.set("db_time", "0ms")
        o.set("seed", nil)
        let g = try o.apply(to: GateSettings())
        #expect(g.load.rate == 800)
        #expect(g.load.spike == nil)
        #expect(g.load.dbTime == .milliseconds(0))
        #expect(g.load.seed == 1)
        #expect(g.load.duration == .seconds(10))
    }

    @Test func badFlagValueNamesTheFlag() {
        var o = LoadOverrides()
        o.set("duration", "20")
        #expect {
            try o.apply(to: GateSettings())
        } throws: { error in
            let e = error as! ConfgateError
            return e.kind == .badInput && e.message.hasPrefix("--duration: ")
        }
    }
}

@Suite struct LoadOverridesSpikeTests {
    @Test func aShortDurationIsCheckedAgainstTheGateFilesSpike() throws {
        var gate = GateSettings()
        gate.load.spike = nil
        var o = LoadOverrides()
        o.set("duration", "2s")
        #expect(try o.apply(to: gate).load.duration == .seconds(2))
        #expect(throws: ConfgateError.self) { try o.apply(to: GateSettings()) }
    }
}
