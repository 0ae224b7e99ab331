import Synchronization
import Testing
@testable import ConfgateCore

/// The verify pipeline on canned trial results: no server, every decision a value.
@Suite("Verify pipeline: plan, trials, early stop, interruption")
struct VerifyPipelineTests {
    /// Returns a clean run, or one refused with 53300 for a pool of 20; records what ran.
    final class FakeExecutor: TrialExecutor {
        let ran = Mutex<[Int]>([])
        let fails: Bool

        init(fails: Bool = false) { self.fails = fails }

        func run(_ settings: Settings, load: GateSettings.Load,
                 progress: (@Sendable (TimelinePoint, Duration) -> Void)?) async throws(ConfgateError) -> RunResult {
            ran.withLock { $0.append(settings.pool.maxSize) }
            if fails { throw ConfgateError(.environment, "the scratch server did not start") }
            let refused = settings.pool.maxSize == 20
            var outcomes = [OutcomeTally(outcome: .ok, count: 1000)]
            if refused { outcomes.append(OutcomeTally(outcome: Outcome(.connectFailed, sqlState: "53300"), count: 40)) }
            let summary = RunSummary(scheduled: 1040, completed: 1040, outcomes: outcomes,
                                     latency: .init(count: 1000, p50: 5_000, p99: 9_000),
                                     peakServerConnections: refused ? 97 : 90, usable: 97,
                                     lag: .init(count: 1000, p50: 100, p99: 500, max: 900))
            return RunResult(settings: settings, load: load, summary: summary, timeline: [], latency: .init(buckets: [[5_000, 1000]]))
        }
    }

    private func input(proposedPool: Int, mode: VerifyInput.Mode = .full, allRounds: Bool = false) -> VerifyInput {
        let current = Settings(pool: .init(maxSize: 15), fleet: .init(instances: 6), file: "current.conf")
        let proposed = Settings(pool: .init(maxSize: proposedPool), fleet: .init(instances: 6), file: "proposed.conf")
        return VerifyInput(current: current, proposed: proposed, gate: GateSettings(), mode: mode, allRounds: allRounds)
    }

    @Test func theCalibrationRegressionSlowsTheProposedSideOnlyAndIsNoted() async throws {
        var given = input(proposedPool: 16)
        given.proposedExtraDBTime = .milliseconds(2)
        let result = try await VerifyPipeline.run(given, executor: FakeExecutor())
        let base = GateSettings().load.dbTime.microseconds
        #expect(result.current.trials.allSatisfy { $0.result?.load.dbTime.microseconds == base })
        #expect(result.proposed.trials.allSatisfy { $0.result?.load.dbTime.microseconds == base + 2_000 })
        #expect(result.proposed.trials.allSatisfy { $0.result?.summary.notes.contains { $0.hasPrefix("calibration: 2ms of server time added") } == true })
        #expect(result.current.trials.allSatisfy { $0.result?.summary.notes.isEmpty == true })
    }

    @Test func theCalibrationHoldReachesTheProposedSideOnlyAndIsNoted() async throws {
        var given = input(proposedPool: 16)
        given.proposedHold = .init(microseconds: 350)
        let result = try await VerifyPipeline.run(given, executor: FakeExecutor())
        #expect(result.current.trials.allSatisfy { $0.result?.load.calibrationHold == nil })
        #expect(result.proposed.trials.allSatisfy { $0.result?.load.calibrationHold == .init(microseconds: 350) })
        #expect(result.proposed.trials.allSatisfy { $0.result?.load.dbTime == GateSettings().load.dbTime })
        #expect(result.proposed.trials.allSatisfy {
            $0.result?.summary.notes.contains("calibration: every proposed login held its connection 350us longer (--calibration-proposed-hold)") == true
        })
        #expect(result.current.trials.allSatisfy { $0.result?.summary.notes.isEmpty == true })
    }

    @Test func roundsAlternateWhichSideGoesFirst() {
        let plan = VerifyPlan(input(proposedPool: 15))
        #expect(plan.rounds == 3)
        #expect(plan.steps.map { "\($0.round)\($0.side.rawValue.prefix(1))" } == ["1c", "1p", "2p", "2c", "3c", "3p"])
        #expect(VerifyPlan(input(proposedPool: 15, mode: .lintOnly)).steps.isEmpty)
        #expect(VerifyPlan(input(proposedPool: 15, mode: .quick)).rounds == 1)
    }

    @Test func theQuickProfileKeepsWhatFlagsSet() {
        var gate = GateSettings()
        gate.load.duration = .seconds(20)
        let quick = VerifyInput.quickProfile(gate, setByFlags: ["duration"])
        #expect(quick.load.trials == 1)
        #expect(quick.load.duration == .seconds(20))
        #expect(quick.load.warmup == .seconds(1))
        #expect(quick.load.spike?.duration == .seconds(2))
    }

    @Test func identicalSettingsRunEveryRoundAndPass() async throws {
        let executor = FakeExecutor()
        let result = try await VerifyPipeline.run(input(proposedPool: 15), executor: executor)
        #expect(executor.ran.withLock { $0.count } == 6)
        #expect(result.stoppedEarly == nil)
        #expect(result.verdict.exitCode == 0)
        #expect(result.current.trials.map(\.round) == [1, 2, 3])
        #expect(result.proposed.trials.map(\.ranFirst) == [false, true, false])
    }

    @Test func refusedConnectionsStopAfterTheFirstRound() async throws {
        let executor = FakeExecutor()
        let result = try await VerifyPipeline.run(input(proposedPool: 20), executor: executor)
        #expect(executor.ran.withLock { $0 } == [15, 20])
        #expect(result.stoppedEarly?.afterRound == 1)
        #expect(result.stoppedEarly?.of == 3)
        #expect(result.verdict.decision == .blocked)
        let all = try await VerifyPipeline.run(input(proposedPool: 20, allRounds: true), executor: FakeExecutor())
        #expect(all.stoppedEarly == nil)
        #expect(all.proposed.trials.count == 3)
    }

    @Test func lintOnlyRunsNoTrial() async throws {
        let executor = FakeExecutor()
        let result = try await VerifyPipeline.run(input(proposedPool: 20, mode: .lintOnly), executor: nil)
        #expect(executor.ran.withLock { $0.isEmpty })
        #expect(result.lintOnly)
        #expect(result.verdict.decision == .blocked)  // CG101: 6 × 20 > 97
    }

    @Test func anInterruptedRunCannotPass() async throws {
        let result = try await VerifyPipeline.run(input(proposedPool: 15), executor: FakeExecutor(), interrupted: { true })
        #expect(result.verdict.decision == .inconclusive)
        #expect(result.verdict.reasons.first?.message == "interrupted before every trial ran")
    }

    @Test func aTrialThatCannotRunIsRecordedAndTheVerdictIsInconclusive() async throws {
        let result = try await VerifyPipeline.run(input(proposedPool: 15), executor: FakeExecutor(fails: true))
        #expect(result.current.trials.allSatisfy { $0.error?.contains("did not start") == true })
        #expect(result.verdict.decision == .inconclusive)
        #expect(result.verdict.exitCode == 3)
    }
}
