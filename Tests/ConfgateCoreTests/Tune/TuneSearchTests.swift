import Testing
@testable import ConfgateCore

/// The search as a state machine: one line per transition, no trials.
@Suite("tune: search")
struct TuneSearchTests {
    func step(_ value: Int, _ mode: TuneStep.Mode, _ outcome: TuneStep.Outcome, reference: String? = nil) -> TuneStep {
        TuneStep(value: value, reference: 16, mode: mode, rounds: 1, outcome: outcome, reason: outcome == .safe ? "" : "why", referenceFailure: reference)
    }

    @Test func bisectsWithQuickStepsThenConfirmsTheSmallestPass() {
        var s = TuneSearch(floor: 1, top: 16)
        #expect(s.next == .run(8, .quick)); s.record(step(8, .quick, .safe))
        #expect(s.next == .run(4, .quick)); s.record(step(4, .quick, .unsafe))
        #expect(s.next == .run(6, .quick)); s.record(step(6, .quick, .safe))
        #expect(s.next == .run(5, .quick)); s.record(step(5, .quick, .unsafe))
        #expect(s.next == .run(6, .full)); s.record(step(6, .full, .safe))
        #expect(s.next == .done)
        #expect(s.result == .range(lower: 6))
    }

    @Test func aQuickPassTheFullGateRefusesTurnsTheRestToFullSteps() {
        var s = TuneSearch(floor: 1, top: 16)
        s.record(step(8, .quick, .safe)); s.record(step(4, .quick, .unsafe))
        s.record(step(6, .quick, .safe)); s.record(step(5, .quick, .unsafe))
        #expect(s.next == .run(6, .full)); s.record(step(6, .full, .unsafe))
        #expect(!s.screening)
        #expect(s.next == .run(11, .full)); s.record(step(11, .full, .safe))
        #expect(s.next == .run(8, .full)); s.record(step(8, .full, .safe))
        #expect(s.next == .run(7, .full)); s.record(step(7, .full, .safe))
        #expect(s.next == .done)
        #expect(s.result == .range(lower: 7))
    }

    @Test func withoutScreeningEveryStepIsFull() {
        var s = TuneSearch(floor: 1, top: 4, quick: false)
        #expect(s.next == .run(2, .full)); s.record(step(2, .full, .safe))
        #expect(s.next == .run(1, .full)); s.record(step(1, .full, .unsafe))
        #expect(s.result == .range(lower: 2))
    }

    @Test func theFloorBoundsTheSearch() {
        var s = TuneSearch(floor: 5, top: 8)
        #expect(s.next == .run(6, .quick)); s.record(step(6, .quick, .safe))
        #expect(s.next == .run(5, .quick)); s.record(step(5, .quick, .safe))
        #expect(s.next == .run(5, .full)); s.record(step(5, .full, .safe))
        #expect(s.result == .range(lower: 5))
    }

    @Test func aRangeOfOneValueStillMeasuresIt() {
        var s = TuneSearch(floor: 3, top: 3)
        #expect(s.next == .run(3, .full)); s.record(step(3, .full, .safe))
        #expect(s.result == .range(lower: 3))
        var unsafe = TuneSearch(floor: 3, top: 3)
        unsafe.record(step(3, .full, .unsafe))
        #expect(unsafe.result == .topUnsafe("why"))
    }

    /// A reference failing in a quick step (one round, which a stall can fail) is checked with
    /// the gate's full rounds; failing there ends the search: no value is safe.
    @Test func aFailingReferenceIsConfirmedByAFullStepThenEndsTheSearch() {
        var s = TuneSearch(floor: 1, top: 16)
        s.record(step(8, .quick, .unsafe, reference: "3 logins failed"))
        #expect(s.next == .run(8, .full))
        #expect(s.result == nil)
        s.record(step(8, .full, .unsafe, reference: "40 logins failed"))
        #expect(s.next == .done)
        #expect(s.result == .topUnsafe("40 logins failed"))
        var recovered = TuneSearch(floor: 1, top: 16)
        recovered.record(step(8, .quick, .unsafe, reference: "3 logins failed"))
        recovered.record(step(8, .full, .safe))
        #expect(recovered.next == .run(4, .full))
    }

    @Test func anInconclusiveStepIsRetriedTwiceThenEnds() {
        var s = TuneSearch(floor: 1, top: 16)
        s.record(step(8, .quick, .inconclusive))
        #expect(s.next == .run(8, .quick))
        s.record(step(8, .quick, .inconclusive))
        #expect(s.next == .run(8, .quick))
        s.record(step(8, .quick, .safe))
        s.record(step(4, .quick, .inconclusive))
        s.record(step(4, .quick, .inconclusive))
        #expect(s.next == .run(4, .quick))
        s.record(step(4, .quick, .inconclusive))
        #expect(s.next == .done)
        #expect(s.result == .inconclusive("why"))
    }
}

/// Where a step's p99 rose: the phase named only when it stands out from the whole run.
@Suite("tune: the phase a step's p99 rose in")
struct TuneStepPhaseTests {
    static func summary(steady: Int64, spike: Int64?) -> RunSummary {
        var s = RunSummary()
        s.latencyByPhase = [PhaseLatency(phase: .steady, latency: .init(count: 100, p99: steady))]
        if let spike { s.latencyByPhase?.append(PhaseLatency(phase: .spike, latency: .init(count: 20, p99: spike))) }
        return s
    }

    @Test func theSpikeIsNamedWhenItsRatioStandsOut() {
        // Rounds: spike ×3, ×2.5, ×4 → median ×3; steady ×1.1 each; overall ×1.5.
        let candidate = [Self.summary(steady: 11, spike: 30), Self.summary(steady: 11, spike: 25), Self.summary(steady: 11, spike: 40)]
        let reference = Array(repeating: Self.summary(steady: 10, spike: 10), count: 3)
        let worst = TuneStep.worstPhase(candidate: candidate, reference: reference, overall: 1.5)
        #expect(worst == .init(phase: .spike, p99Ratio: 3))
        let step = TuneStep(value: 4, reference: 16, mode: .full, rounds: 3, outcome: .unsafe, reason: "p99 +50%",
                            p50Ratio: 1.2, p99Ratio: 1.5, worstPhase: worst)
        #expect(step.evidence == "p50 rises ×1.2, p99 ×1.5, ×3.0 during the spike (verify: p99 +50%)")
    }

    @Test func noPhaseIsNamedWhenItOnlyRepeatsTheWholeRun() {
        let candidate = [Self.summary(steady: 15, spike: 16)]
        let reference = [Self.summary(steady: 10, spike: 10)]
        #expect(TuneStep.worstPhase(candidate: candidate, reference: reference, overall: 1.5) == nil)
        let step = TuneStep(value: 4, reference: 16, mode: .full, rounds: 1, outcome: .unsafe, reason: "p99 +50%",
                            p50Ratio: 1.2, p99Ratio: 1.5)
        #expect(step.evidence == "p50 rises ×1.2, p99 ×1.5 (verify: p99 +50%)")
    }

    @Test func oneMeasuredPhaseOrOldResultsNameNoPhase() {
        #expect(TuneStep.worstPhase(candidate: [Self.summary(steady: 30, spike: nil)],
                                    reference: [Self.summary(steady: 10, spike: nil)], overall: 1.5) == nil)
        #expect(TuneStep.worstPhase(candidate: [RunSummary()], reference: [RunSummary()], overall: 1.5) == nil)
    }
}
