@testable import ConfgatePool
import Testing

/// A small deterministic generator (SplitMix64), so a failing seed can be replayed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Churns the pure state machine with random events, checking the invariants of
/// ``MachineHarness/checkInvariants()`` after every step: never more than `maxSize`
/// slots, no waiter served twice, none lost.
@Suite struct PoolStateMachineRandomizedTests {
    @Test(arguments: [1, 2, 3, 42, 1234, 98765] as [UInt64])
    func randomChurnKeepsTheInvariants(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let maxSize = Int.random(in: 1...6, using: &rng)
        let configuration = PoolConfiguration(
            maxSize: maxSize, minIdle: Int.random(in: 0...maxSize, using: &rng),
            acquireTimeout: .milliseconds(200), idleTimeout: .milliseconds(500), maxLifetime: .seconds(1),
            connectBackoffInitial: .milliseconds(10), connectBackoffMax: .milliseconds(200),
            maxConcurrentOpens: Int.random(in: 1...3, using: &rng), housekeepingPeriod: .milliseconds(700),
            waiterOrder: Bool.random(using: &rng) ? .barging : .fifo)
        var h = MachineHarness(configuration, seed: seed, autoClaim: false)
        h.autoValidate = nil
        var peakSlots = 0
        var peakWaiters = 0

        for _ in 0..<5_000 {
            let holders = h.leases.keys.filter { !h.released.contains($0) }.sorted()
            let pending = h.acquired.filter { h.leases[$0] == nil && h.failures[$0] == nil }
            switch Int.random(in: 0..<100, using: &rng) {
            case 0..<15:
                h.acquire()
            case 15..<30:
                h.lease()  // ConnectionPool.lease's way: acquireAtOnce first
            case 30..<50 where !holders.isEmpty:
                h.release(holders.randomElement(using: &rng)!, broken: Int.random(in: 0..<5, using: &rng) == 0)
            case 50..<65 where !h.pendingOpens.isEmpty:
                h.establishNext()
            case 65..<72 where !h.pendingOpens.isEmpty:
                h.failNext(["53300", "57P03", "08006"].randomElement(using: &rng)!)
            case 72..<82 where !h.pendingCloses.isEmpty:
                let id = h.pendingCloses.remove(at: Int.random(in: 0..<h.pendingCloses.count, using: &rng))
                h.step { machine, _ in machine.closeCompleted(id) }
            case 82..<85 where !pending.isEmpty:
                h.cancel(pending.randomElement(using: &rng)!)
            case 85..<90 where !h.pendingOffers.isEmpty:
                let index = Int.random(in: 0..<h.pendingOffers.count, using: &rng)
                let offer = h.pendingOffers.remove(at: index)
                h.step { $0.claim(offer.waiter, offer.connection, now: $1) }
            case 90..<93 where !h.pendingValidations.isEmpty:
                h.completeValidation(alive: Int.random(in: 0..<4, using: &rng) != 0)
            default:
                h.advance(by: .milliseconds(Int64.random(in: 0...150, using: &rng)))
            }
            peakSlots = max(peakSlots, h.machine.slots.count)
            peakWaiters = max(peakWaiters, h.machine.pendingWaiters)
        }
        #expect(peakSlots == maxSize, "the churn reached the limit")
        #expect(peakWaiters > 0, "the churn made callers wait")

        // Wind down: shut down, let every holder release and every attempt and close finish.
        h.step { machine, _ in machine.shutdown() }
        h.autoClaim = true
        h.autoValidate = true
        while !h.pendingOffers.isEmpty { h.claimNext() }
        while !h.pendingValidations.isEmpty { h.completeValidation(alive: true) }
        for holder in h.leases.keys.filter({ !h.released.contains($0) }).sorted() {
            h.release(holder)
        }
        h.establishAll()
        h.completeCloses()
        #expect(h.shutdownCompleted)
        #expect(h.machine.slots.isEmpty)
        #expect(h.timers.isEmpty)
        #expect(h.leases.count + h.failures.count == h.acquired.count, "every waiter served or failed exactly once")
        let m = h.machine.metrics
        #expect(m.acquires == h.leases.count)
        #expect(m.acquireTimeouts == h.failures.values.filter { if case .timeout = $0 { true } else { false } }.count)
        #expect(m.connectAttempts == m.totalConnectFailures + h.nextSerial)
        #expect(m.closed.values.reduce(0, +) == h.closes.count)
        #expect(h.closes.count == h.nextSerial, "every opened connection closed exactly once")
    }
}
