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
