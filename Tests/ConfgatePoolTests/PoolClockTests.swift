@testable import ConfgatePool
import Testing

/// `PoolClock`: `ContinuousClock`'s time in an instant of its own.
@Suite struct PoolClockTests {
    @Test func readsContinuousClockTime() {
        let clock = PoolClock()
        let before = ContinuousClock.now
        let now = clock.now
        let after = ContinuousClock.now
        #expect(before <= now.continuous && now.continuous <= after)
        #expect(PoolClock.Instant(sinceEpoch: .seconds(5)).continuous == ContinuousClock().systemEpoch + .seconds(5))
    }

    @Test func instantArithmeticIsTheDurationsSinceTheEpoch() {
        let a = PoolClock.Instant(sinceEpoch: .milliseconds(1500))
        let b = a.advanced(by: .milliseconds(250))
        #expect(b.sinceEpoch == .milliseconds(1750))
        #expect(a.duration(to: b) == .milliseconds(250))
        #expect(b.duration(to: a) == .milliseconds(-250))
        #expect(a < b && !(b < a))
    }

    @Test func sleepingUntilAPastInstantReturns() async throws {
        let clock = PoolClock()
        try await clock.sleep(until: clock.now.advanced(by: .seconds(-1)))
    }
}
